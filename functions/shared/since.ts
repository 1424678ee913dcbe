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
