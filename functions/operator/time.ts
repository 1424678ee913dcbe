import { ValidationError } from '../shared/errors.js';

const UNITS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A time an operator types: `90m`, `24h`, `7d` ago, a date (`2024-05-01`, UTC), or a date and
 * time (`2024-05-01T10:00`, UTC unless it says otherwise). A date alone as the end of a range
 * means the end of that day. Returns an ISO time; anything else is refused, naming the option.
 */
export function parseTimeInput(value: string, name: string, now: number, options: { endOfDay?: boolean } = {}): string {
  const text = value.trim();
  const relative = /^(\d+)([mhd])$/.exec(text);
  if (relative) return new Date(now - Number(relative[1]) * UNITS[relative[2] as keyof typeof UNITS]).toISOString();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const day = Date.parse(`${text}T00:00:00Z`);
    if (!Number.isNaN(day)) return new Date(options.endOfDay ? day + UNITS.d - 1 : day).toISOString();
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) {
    const zoned = /(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`;
    const time = Date.parse(zoned);
    if (!Number.isNaN(time)) return new Date(time).toISOString();
  }
  throw new ValidationError('bad_time', `${name} must be like 90m, 24h, 7d, 2024-05-01 or 2024-05-01T10:00 (UTC), not "${value}".`);
}
