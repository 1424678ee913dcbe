import { ValidationError } from '../shared/errors.js';

/** A UTC day written `YYYY-MM-DD`, as the close and the reports name days. */
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The day's first second (Unix seconds), or a ValidationError for anything but a real date. */
export function dayStart(day: string): number {
  const match = DAY.exec(day);
  const ms = match ? Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])) : Number.NaN;
  if (!match || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== day) {
    throw new ValidationError('bad_day', `A day is a UTC date written YYYY-MM-DD, not "${day}".`);
  }
  return ms / 1000;
}

export const DAY_SECONDS = 86_400;

export function dayOf(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
}

export function addDays(day: string, days: number): string {
  return dayOf(dayStart(day) + days * DAY_SECONDS);
}

/** Every UTC day an interval [start, end) touches, oldest first (at most `max`). */
export function daysOf(start: number, end: number, max = 62): string[] {
  const days: string[] = [];
  for (let day = dayOf(start); dayStart(day) < end && days.length < max; day = addDays(day, 1)) days.push(day);
  return days;
}
