import { timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';

/**
 * The console's own guard, before any page or action:
 * - `Host` must name the console itself (127.0.0.1 or localhost, its port): a page on another
 *   site that rebinds its DNS name to 127.0.0.1 sends its own name, and is refused;
 * - `Origin`, when a browser sends one, must be the console's own;
 * - anything but GET and HEAD must be a POST carrying the per-process token (a form field
 *   `token`, or the `x-console-token` header), which only the console's own pages know.
 */
export function consoleGuard(options: { port: () => number; token: string }): MiddlewareHandler {
  return async (c, next) => {
    const port = options.port();
    const hosts = new Set([`127.0.0.1:${port}`, `localhost:${port}`]);
    const host = c.req.header('host')?.toLowerCase();
    if (!host || !hosts.has(host))
      return c.text(`Refused: this console answers only to http://127.0.0.1:${port} (Host was ${JSON.stringify(host ?? null)}).`, 403);
    const origin = c.req.header('origin')?.toLowerCase();
    if (origin !== undefined && !hosts.has(origin.replace(/^http:\/\//, ''))) return c.text('Refused: a request from another origin.', 403);
    if (c.req.method === 'GET' || c.req.method === 'HEAD') return next();
    if (c.req.method !== 'POST') return c.text('Refused: only GET and POST.', 405);
    const form = (c.req.header('content-type') ?? '').includes('form') ? await c.req.parseBody() : {};
    const presented = typeof form.token === 'string' ? form.token : (c.req.header('x-console-token') ?? '');
    if (!sameToken(presented, options.token))
      return c.text('Refused: an action needs the token from a page of this console (restarted? reload the page).', 403);
    return next();
  };
}

function sameToken(presented: string, expected: string): boolean {
  const a = Buffer.from(presented);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
