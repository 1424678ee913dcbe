import { Logger } from '@aws-lambda-powertools/logger';

/** A real Powertools logger that prints nothing, for tests that do not read logs. */
export const silentLogger = (): Logger => new Logger({ serviceName: 'test', logLevel: 'SILENT' });

/** A logger whose lines (JSON objects) are kept, for tests that check what is logged. */
export function capturingLogger(): { logger: Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = new Logger({ serviceName: 'test', logLevel: 'DEBUG' });
  const record = (...args: unknown[]) => {
    for (const arg of args) {
      try {
        lines.push(JSON.parse(String(arg)) as Record<string, unknown>);
      } catch {
        lines.push({ message: String(arg) });
      }
    }
  };
  // Powertools writes through its own console; send every level to `record`.
  const target = (logger as unknown as { console: Record<string, unknown> }).console;
  for (const level of ['log', 'info', 'warn', 'error', 'debug', 'trace']) target[level] = record;
  return { logger, lines };
}
