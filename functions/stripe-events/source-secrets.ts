import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { object, optional, regex, string } from 'zod/mini';
import { ConfigError } from '../shared/errors.js';
import type { SecretValue } from '../shared/secrets.js';
import { isSourceId } from './source-id.js';

/**
 * A merchant source's secrets, one secret per source: the endpoint's signing secret (the
 * current one and, while Stripe's "Roll secret" lets both sign, the previous one), and
 * optionally a restricted API key that can read the merchant's events (catch-up, import).
 * Stored as JSON `{"current": "whsec_…", "previous": "whsec_…", "apiKey": "rk_…"}`.
 */
export interface SourceSecret {
  signing: SecretValue;
  apiKey?: string;
}

export const SIGNING_SECRET = /^whsec_\S+$/;
/** A restricted key: a merchant should never hand over its full secret key. */
export const SOURCE_API_KEY = /^rk_(test|live)_\S+$/;

const signingSecret = () => string().check(regex(SIGNING_SECRET, 'must be a Stripe signing secret (whsec_…)'));
const Stored = object({
  current: signingSecret(),
  previous: optional(signingSecret()),
  apiKey: optional(string().check(regex(SOURCE_API_KEY, 'must be a restricted key (rk_test_… or rk_live_…)'))),
});

export function parseSourceSecret(raw: string, sourceId: string): SourceSecret {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new ConfigError(`The secret of Stripe source ${sourceId} is not JSON {"current": "whsec_…", "previous"?: …, "apiKey"?: "rk_…"}.`);
  }
  const parsed = Stored.safeParse(json);
  if (!parsed.success)
    throw new ConfigError(
      `The secret of Stripe source ${sourceId} is invalid: ${parsed.error.issues.map((issue) => `${issue.path.join('.')} ${issue.message}`).join('; ')}.`,
    );
  const { current, previous, apiKey } = parsed.data;
  return { signing: previous ? { current, previous } : { current }, ...(apiKey ? { apiKey } : {}) };
}

export function formatSourceSecret(secret: SourceSecret): string {
  return JSON.stringify({ current: secret.signing.current, previous: secret.signing.previous, apiKey: secret.apiKey });
}

/** Where the sources' secrets live: Secrets Manager in AWS, a directory on a laptop. */
export interface SourceSecretStore {
  /** The stored secret, or undefined when the source has none. */
  read(sourceId: string): Promise<SourceSecret | undefined>;
  /** Creates or replaces the source's secret. */
  write(sourceId: string, secret: SourceSecret): Promise<void>;
  remove(sourceId: string): Promise<void>;
  /** Where a source's secret is, for messages (never its value). */
  locationOf(sourceId: string): string;
}

/**
 * One Secrets Manager secret per source, named `<prefix><sourceId>`: the functions may read
 * secrets under the prefix and nothing else (least privilege by name). The operator's
 * `npm run sources` writes them.
 */
export class SecretsManagerSourceSecrets implements SourceSecretStore {
  constructor(
    private readonly client: SecretsManagerClient,
    readonly prefix: string,
  ) {}

  locationOf(sourceId: string): string {
    return `Secrets Manager secret ${this.prefix}${sourceId}`;
  }

  async read(sourceId: string): Promise<SourceSecret | undefined> {
    try {
      const result = await this.client.send(new GetSecretValueCommand({ SecretId: `${this.prefix}${sourceId}` }));
      return result.SecretString === undefined ? undefined : parseSourceSecret(result.SecretString, sourceId);
    } catch (error) {
      if (error instanceof Error && error.name === 'ResourceNotFoundException') return undefined;
      throw error;
    }
  }

  async write(sourceId: string, secret: SourceSecret): Promise<void> {
    const name = `${this.prefix}${sourceId}`;
    try {
      await this.client.send(
        new CreateSecretCommand({
          Name: name,
          SecretString: formatSourceSecret(secret),
          Description: `Stripe source ${sourceId}: webhook signing secret (current, previous) and optional restricted API key`,
        }),
      );
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'ResourceExistsException') throw error;
      await this.client.send(new PutSecretValueCommand({ SecretId: name, SecretString: formatSourceSecret(secret) }));
    }
  }

  /** At once, without a recovery window: the signing secret can be revealed again in Stripe's dashboard. */
  async remove(sourceId: string): Promise<void> {
    try {
      await this.client.send(new DeleteSecretCommand({ SecretId: `${this.prefix}${sourceId}`, ForceDeleteWithoutRecovery: true }));
    } catch (error) {
      if (!(error instanceof Error) || error.name !== 'ResourceNotFoundException') throw error;
    }
  }
}

/**
 * On a laptop: one file per source, `<dir>/<sourceId>.json`, readable by its owner only
 * (`npm start` and `npm run sources` share it; the directory is gitignored).
 */
export class DirectorySourceSecrets implements SourceSecretStore {
  constructor(readonly dir: string) {}

  locationOf(sourceId: string): string {
    return this.file(sourceId);
  }

  async read(sourceId: string): Promise<SourceSecret | undefined> {
    try {
      return parseSourceSecret(await readFile(this.file(sourceId), 'utf8'), sourceId);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async write(sourceId: string, secret: SourceSecret): Promise<void> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    // Written aside and renamed, so a reader never sees half a file.
    const temporary = `${this.file(sourceId)}.${process.pid}.tmp`;
    await writeFile(temporary, formatSourceSecret(secret), { mode: 0o600 });
    await rename(temporary, this.file(sourceId));
  }

  async remove(sourceId: string): Promise<void> {
    await rm(this.file(sourceId), { force: true });
  }

  private file(sourceId: string): string {
    // The id names a file: nothing but a valid source id may reach the file system.
    if (!isSourceId(sourceId)) throw new ConfigError(`Not a source id: ${sourceId.slice(0, 80)}`);
    return path.join(this.dir, `${sourceId}.json`);
  }
}
