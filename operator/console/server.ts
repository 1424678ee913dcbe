import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import { Hono, type Context } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import type { OperatorDeps } from '../wiring.js';
import { HttpError, ValidationError } from '../../functions/shared/errors.js';
import { failureMessage, isUnreachable } from '../../dev/command-errors.js';
import type { ConsoleAssets } from './assets.js';
import { cashOutActions, cashOutPages } from './routes/cash-outs.js';
import { closePages } from './routes/close.js';
import type { ConsolePages } from './routes/context.js';
import { eventActions, eventPages } from './routes/events.js';
import { recordAndLimitPages } from './routes/records.js';
import { consoleGuard } from './security.js';
import { messagePage, type PageContext } from './views/layout.js';

export interface ConsoleSettings {
  deps: OperatorDeps;
  assets: ConsoleAssets;
  /** For people: which tables (DynamoDB Local, or a stack in a region). */
  where: string;
  /** DynamoDB Local's endpoint, when local: a page it cannot reach asks whether `npm start` is running. */
  dynamoEndpoint?: string;
  /** Whether Stripe objects without events to say so are live (a deployed stack) or test (local). */
  livemode: boolean;
  /** Look for flags on cash-outs changed within this long (default 30 days). */
  attentionWindowMs?: number;
  /** At most this many cash-outs in a bulk replay (default 500). */
  bulkLimit?: number;
}

const DAY = 86_400_000;

/** The console's pages and actions; the guard sees every request first. */
export function consoleApp(settings: ConsoleSettings, security: { port: () => number; token: string }): Hono {
  const { deps } = settings;
  const pages: ConsolePages = {
    deps,
    page: { who: deps.who, where: settings.where, token: security.token },
    now: () => deps.clock.now(),
    livemode: settings.livemode,
    attentionWindowMs: settings.attentionWindowMs ?? 30 * DAY,
    bulkLimit: settings.bulkLimit ?? 500,
  };
  const app = new Hono();
  guardEveryRequest(app, security);
  serveAssets(app, settings.assets);
  cashOutPages(app, pages);
  cashOutActions(app, pages);
  closePages(app, pages);
  eventPages(app, pages);
  eventActions(app, pages);
  recordAndLimitPages(app, pages);
  answerWhatFails(app, pages.page, settings.dynamoEndpoint);
  return app;
}

/** The guard (token, origin, host), strict security headers, no caching, and no input too long to be ours. */
function guardEveryRequest(app: Hono, security: { port: () => number; token: string }): void {
  app.use('*', consoleGuard(security));
  app.use(
    '*',
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'none'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      // Same-origin: form posts carry their Origin (checked by the guard); nothing leaks to other sites.
      referrerPolicy: 'same-origin',
      crossOriginResourcePolicy: 'same-origin',
    }),
  );
  app.use('*', async (c, next) => {
    await next();
    c.header('cache-control', 'no-store');
  });
  app.use('*', refuseOversizedInput);
}

function serveAssets(app: Hono, assets: ConsoleAssets): void {
  app.get('/assets/console.js', (c) => c.body(assets.js, 200, { 'content-type': 'text/javascript; charset=utf-8' }));
  // Browsers ask for one; the console has none.
  app.get('/favicon.ico', (c) => c.body(null, 204));
  app.get('/assets/console.css', (c) => c.body(assets.css, 200, { 'content-type': 'text/css; charset=utf-8' }));
}

/** A page for what has no page (404), a refusal (its status), tables that cannot be read (503) and anything else (500). */
function answerWhatFails(app: Hono, context: PageContext, dynamoEndpoint: string | undefined): void {
  app.notFound((c) => c.html(messagePage(context, 404, 'Not found', `Nothing at ${c.req.path}.`), 404));
  app.onError((error, c: Context) => {
    if (error instanceof HttpError)
      return c.html(
        messagePage(context, error.statusCode, error.statusCode === 404 ? 'Not found' : 'Refused', error.message),
        error.statusCode as 400,
      );
    if (isUnreachable(error) || (error as { name?: string }).name === 'ResourceNotFoundException') {
      // Not a fault of the console: one line here and on the page, as the commands say it.
      const message = dynamoEndpoint
        ? failureMessage(error, { dynamoEndpoint })
        : `DynamoDB could not be read (${failureMessage(error)}): check the network, the region and your AWS credentials.`;
      console.error(`Console: ${c.req.method} ${c.req.path} could not read its tables: ${message}`);
      return c.html(
        messagePage(context, 503, 'The tables cannot be read', `${message} Nothing was done; reload the page once it answers.`),
        503,
      );
    }
    console.error('Console request failed', error);
    return c.html(
      messagePage(
        context,
        500,
        'Something went wrong',
        `${(error as Error).name}: ${(error as Error).message}. Nothing more was done; see the console's terminal.`,
      ),
      500,
    );
  });
}

/** DynamoDB refuses a key over 1024 bytes (a sort key; 2048 a partition key): longer is no id, filter or cursor of ours. */
const MAX_INPUT_BYTES = 1024;

/** Refuses (400) a path part or query value too long to be anything the console looks up, before DynamoDB does (a 500). */
const refuseOversizedInput = async (c: Context, next: () => Promise<void>) => {
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part);
    } catch {
      return part;
    }
  };
  const parts = [...new URL(c.req.url).pathname.split('/').map(decode), ...Object.values(c.req.queries()).flat()];
  if (parts.some((part) => Buffer.byteLength(part, 'utf8') > MAX_INPUT_BYTES)) {
    throw new ValidationError('input_too_long', `An id, search or filter is at most ${MAX_INPUT_BYTES} bytes; nothing was looked up.`);
  }
  await next();
};

export interface RunningConsole {
  url: string;
  /** The per-process token action forms carry (shown in no log). */
  token: string;
  server: ServerType;
  close(): Promise<void>;
}

/** Serves the console on 127.0.0.1 only (never another interface), on `port` (0: any free one). */
export async function startConsole(settings: ConsoleSettings, options: { port: number }): Promise<RunningConsole> {
  const token = randomBytes(32).toString('base64url');
  let port = options.port;
  const app = consoleApp(settings, { port: () => port, token });
  const server = await new Promise<ServerType>((resolve, reject) => {
    const running = serve({ fetch: app.fetch, port: options.port, hostname: '127.0.0.1' }, () => resolve(running));
    running.once('error', reject);
  });
  port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A browser keeps its connections open; they would hold the close.
        (server as Server).closeAllConnections?.();
      }),
  };
}
