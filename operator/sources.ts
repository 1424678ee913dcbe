import type { Clock } from '../functions/shared/clock.js';
import { sourceIdProblem } from '../functions/stripe-events/source-id.js';
import { SIGNING_SECRET, SOURCE_API_KEY, type SourceSecret, type SourceSecretStore } from '../functions/stripe-events/source-secrets.js';
import type { SourceStore, StripeSource } from '../functions/stripe-events/source-store.js';

/** A request the operator can correct (a bad id, a secret of the wrong kind, a source that does not exist). */
export class SourceAdminError extends Error {
  override name = 'SourceAdminError';
  constructor(
    message: string,
    /** The request itself is wrong (a bad id, a secret of the wrong kind), whatever is stored. */
    readonly usage = false,
  ) {
    super(message);
  }
}

export interface RotateOptions {
  /** The new signing secret; the old one stays valid as `previous` (Stripe's "Roll secret" with an expiry). */
  signingSecret?: string;
  apiKey?: string;
  /** Forget the previous signing secret (after Stripe's expiry of the rolled one). */
  dropPrevious?: boolean;
}

/**
 * What `npm run sources` does, as plain functions over the two stores. The secret is written
 * before the table says the source exists, and the table forgets it before the secret goes,
 * so the webhook never finds an enabled source without its secret.
 */
export class SourceAdmin {
  constructor(
    private readonly sources: SourceStore,
    private readonly secrets: SourceSecretStore,
    private readonly clock: Clock,
  ) {}

  list(): Promise<StripeSource[]> {
    return this.sources.list();
  }

  async add(sourceId: string, options: { signingSecret: string; apiKey?: string }): Promise<StripeSource> {
    checkId(sourceId);
    checkSigningSecret(options.signingSecret);
    if (options.apiKey !== undefined) checkApiKey(options.apiKey);
    if (await this.sources.get(sourceId))
      throw new SourceAdminError(`Source ${sourceId} exists already; use rotate to change its secrets.`);
    await this.secrets.write(sourceId, {
      signing: { current: options.signingSecret },
      ...(options.apiKey ? { apiKey: options.apiKey } : {}),
    });
    const created = await this.sources.create(sourceId, options.apiKey !== undefined, this.now());
    if (!created)
      throw new SourceAdminError(
        `Source ${sourceId} was added by someone else meanwhile; its secret is now the one given here. Check it with rotate.`,
      );
    return created;
  }

  async rotate(sourceId: string, options: RotateOptions): Promise<StripeSource> {
    checkId(sourceId);
    if (options.signingSecret === undefined && options.apiKey === undefined && !options.dropPrevious) {
      throw new SourceAdminError('Nothing to rotate: give --signing-secret, --api-key or --drop-previous.', true);
    }
    if (options.signingSecret !== undefined) checkSigningSecret(options.signingSecret);
    if (options.apiKey !== undefined) checkApiKey(options.apiKey);
    if (!(await this.sources.get(sourceId))) throw new SourceAdminError(`No source ${sourceId}.`);
    const old = await this.secrets.read(sourceId);
    if (!old)
      throw new SourceAdminError(`Source ${sourceId} has no secret (${this.secrets.locationOf(sourceId)}); remove it and add it again.`);
    if (options.signingSecret === old.signing.current) throw new SourceAdminError('That is already the current signing secret.');
    const current = options.signingSecret ?? old.signing.current;
    const previous = options.dropPrevious ? undefined : options.signingSecret !== undefined ? old.signing.current : old.signing.previous;
    const apiKey = options.apiKey ?? old.apiKey;
    const secret: SourceSecret = { signing: previous ? { current, previous } : { current }, ...(apiKey ? { apiKey } : {}) };
    await this.secrets.write(sourceId, secret);
    const rotated = await this.sources.rotated(sourceId, apiKey !== undefined, this.now());
    if (!rotated) throw new SourceAdminError(`Source ${sourceId} was removed meanwhile.`);
    return rotated;
  }

  async setStatus(sourceId: string, status: StripeSource['status']): Promise<StripeSource> {
    checkId(sourceId);
    const updated = await this.sources.setStatus(sourceId, status, this.now());
    if (!updated) throw new SourceAdminError(`No source ${sourceId}.`);
    return updated;
  }

  /** Its events and records stay (they carry its sourceId); only the source and its secret go. */
  async remove(sourceId: string): Promise<boolean> {
    checkId(sourceId);
    const existed = await this.sources.delete(sourceId);
    await this.secrets.remove(sourceId);
    return existed;
  }

  private now(): Date {
    return new Date(this.clock.now());
  }
}

function checkId(sourceId: string): void {
  const problem = sourceIdProblem(sourceId);
  if (problem) throw new SourceAdminError(problem, true);
}

function checkSigningSecret(value: string): void {
  if (!SIGNING_SECRET.test(value))
    throw new SourceAdminError("--signing-secret must be the endpoint's signing secret from Stripe (whsec_…).", true);
}

function checkApiKey(value: string): void {
  if (!SOURCE_API_KEY.test(value))
    throw new SourceAdminError(
      '--api-key must be a restricted key (rk_live_… or rk_test_…) with read access to Events; never a secret key (sk_…).',
      true,
    );
}
