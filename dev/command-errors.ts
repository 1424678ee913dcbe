/**
 * How a command (and the local gateway's console) says what went wrong: a mistake in how it was
 * called (`UsageError`), or a failure in one line, which asks whether `npm start` is running when
 * a local DynamoDB did not answer.
 */

/** A mistake in how a command was called (an unknown option, a missing value…): exit 2 with the usage. */
export class UsageError extends Error {
  override name = 'UsageError';
}

const UNREACHABLE = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'ETIMEDOUT', 'EAI_AGAIN']);

/**
 * A network error: nothing answered at the address. By its code, or its cause's; or by the
 * code named in its message, as an SDK error wrapper (e.g. across realms under jest) keeps only the text.
 */
export function isUnreachable(error: unknown): boolean {
  const { code, cause, message } = (error ?? {}) as { code?: string; cause?: unknown; message?: unknown };
  if (typeof code === 'string' && UNREACHABLE.has(code)) return true;
  if (
    typeof message === 'string' &&
    /^AWS SDK error wrapper for /.test(message) &&
    [...UNREACHABLE].some((name) => message.includes(` ${name} `))
  )
    return true;
  return cause !== undefined && cause !== error && isUnreachable(cause);
}

/**
 * One line for a failure. Where the command talks to a local DynamoDB (`dynamoEndpoint`), an
 * unreachable endpoint or a missing table asks whether `npm start` is running.
 */
export function failureMessage(error: unknown, { dynamoEndpoint }: { dynamoEndpoint?: string } = {}): string {
  const message = (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
  if (dynamoEndpoint && isUnreachable(error)) return `Cannot reach DynamoDB at ${dynamoEndpoint} (${message}): is \`npm start\` running?`;
  if (dynamoEndpoint && (error as { name?: string } | undefined)?.name === 'ResourceNotFoundException') {
    return `${message.replace(/\.$/, '')} (DynamoDB at ${dynamoEndpoint}): is \`npm start\` running, and is this its table?`;
  }
  return message;
}
