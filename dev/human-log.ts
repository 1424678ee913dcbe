/**
 * The human view of `npm start` (LOG_FORMAT=human): the routes' JSON log lines (Powertools,
 * warnings and errors only at that level) become one short line each, as the answers are.
 * The routes keep logging JSON, as they do in Lambda; only this terminal's rendering changes.
 */

/** Powertools' own keys and the Lambda context's: said once by the line's shape, or not at all. */
const OMITTED = new Set([
  'level',
  'message',
  'timestamp',
  'service',
  'sampling_rate',
  'xray_trace_id',
  'cold_start',
  'function_arn',
  'function_memory_size',
  'function_name',
  'function_request_id',
]);
const MAX_VALUE = 120;

function shortValue(value: unknown): string {
  if (value && typeof value === 'object' && typeof (value as { message?: unknown }).message === 'string') {
    // An error: its name and message, never its stack.
    const error = value as { name?: unknown; message: string };
    return `${typeof error.name === 'string' ? `${error.name}: ` : ''}${error.message}`;
  }
  const text = typeof value === 'string' ? value : JSON.stringify(value);
  return text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
}

/** One JSON log line as `17:44:29 WARN village-cash-out: message (key: value, …)`; undefined when it is not one. */
export function humanLogLine(line: string): string | undefined {
  if (!line.startsWith('{')) return undefined;
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  if (typeof entry.level !== 'string' || typeof entry.message !== 'string') return undefined;
  const at =
    typeof entry.timestamp === 'string' && !Number.isNaN(Date.parse(entry.timestamp))
      ? new Date(entry.timestamp).toISOString().slice(11, 19)
      : '';
  const extras = Object.entries(entry)
    .filter(([key, value]) => !OMITTED.has(key) && value !== undefined && value !== null && value !== '')
    .map(([key, value]) => `${key}: ${shortValue(value)}`);
  const service = typeof entry.service === 'string' ? `${entry.service}: ` : '';
  return `${at ? `${at} ` : ''}${entry.level} ${service}${entry.message}${extras.length ? ` (${extras.join(', ')})` : ''}`;
}

/** Rewrites the JSON log lines written to `stream` (stdout or stderr) as `humanLogLine` says; anything else passes as written. */
export function humanizeJsonLogs(stream: NodeJS.WriteStream): void {
  const write = stream.write.bind(stream) as (chunk: unknown, ...rest: unknown[]) => boolean;
  stream.write = ((chunk: unknown, ...rest: unknown[]) => {
    if (typeof chunk === 'string' && chunk.startsWith('{')) {
      chunk = chunk
        .split('\n')
        .map((line) => humanLogLine(line) ?? line)
        .join('\n');
    }
    return write(chunk, ...rest);
  }) as typeof stream.write;
}
