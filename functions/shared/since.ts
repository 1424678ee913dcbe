const UNIT_MS = { m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * A point in time given the way an operator types it: `90m`, `72h` or `30d` before `nowMs`,
 * or an ISO date/time. Epoch milliseconds, or undefined when the text is neither.
 */
export function parseSince(value: string, nowMs: number): number | undefined {
  const relative = /^(\d+)([mhd])$/.exec(value.trim());
  if (relative) return nowMs - Number(relative[1]) * UNIT_MS[relative[2] as keyof typeof UNIT_MS];
  // Only text that looks like a date: Date.parse also takes things like "7".
  if (!/^\d{4}-\d{2}-\d{2}/.test(value.trim())) return undefined;
  const time = Date.parse(value);
  return Number.isNaN(time) ? undefined : time;
}

export const SINCE_FORMAT = 'like 90m, 72h, 30d or an ISO date/time';
