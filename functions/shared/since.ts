import { ValidationError } from './errors.js';

const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export const SINCE_FORMAT = 'like 90m, 24h, 7d, 2024-05-01 or 2024-05-01T10:00 (UTC)';

/**
 * A point in time given the way an operator types it: `90m`, `24h`, `7d` before `nowMs`, a date
 * (`2024-05-01`, UTC), or a date and time (`2024-05-01T10:00`, UTC unless it says otherwise).
 * With `endOfDay`, a date alone means the end of that day (the end of a range). Epoch
 * milliseconds, or undefined when the text is none of these.
 */
export function parseSince(value: string, nowMs: number, options: { endOfDay?: boolean } = {}): number | undefined {
  const text = value.trim();
  const relative = /^(\d+)([mhd])$/.exec(text);
  if (relative) return nowMs - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const day = Date.parse(`${text}T00:00:00Z`);
    if (!Number.isNaN(day)) return options.endOfDay ? day + UNIT_MS.d - 1 : day;
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(text)) {
    const time = Date.parse(/(Z|[+-]\d{2}:?\d{2})$/i.test(text) ? text : `${text}Z`);
    if (!Number.isNaN(time)) return time;
  }
  return undefined;
}

/** `parseSince` as an ISO time, or a 400 naming the option (`name`) when the text is not a time. */
export function parseTimeInput(value: string, name: string, nowMs: number, options: { endOfDay?: boolean } = {}): string {
  const time = parseSince(value, nowMs, options);
  if (time === undefined) throw new ValidationError('bad_time', `${name} must be ${SINCE_FORMAT}, not "${value}".`);
  return new Date(time).toISOString();
}

/**
 * A time for people, the one way the console and the commands show one: UTC, to the second,
 * "2026-05-01 17:44:29 UTC". Machines (URLs, `datetime` attributes, JSON) keep the ISO time.
 */
export function readableTime(iso: string): string {
  const parsed = Date.parse(iso);
  if (Number.isNaN(parsed)) return iso;
  return `${new Date(parsed).toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}
