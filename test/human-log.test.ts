import { describe, expect, test } from '@jest/globals';
import { humanLogLine } from '../dev/human-log.js';

/** `npm start`'s human view: a route's JSON warning is one short line, its error without a stack. */
describe('the human view turns a JSON log line into one short line', () => {
  test('a warning: time, level, service, message and its keys', () => {
    const line = JSON.stringify({
      level: 'WARN',
      message: 'Cash-out request refused',
      timestamp: '2026-05-01T17:44:29.123Z',
      service: 'village-cash-out',
      sampling_rate: 0,
      statusCode: 401,
      reason: 'invalid_signature',
    });
    expect(humanLogLine(line)).toBe(
      '17:44:29 WARN village-cash-out: Cash-out request refused (statusCode: 401, reason: invalid_signature)',
    );
  });

  test('an error shows its name and message, never its stack', () => {
    const line = JSON.stringify({
      level: 'ERROR',
      message: 'Cash-out failed unexpectedly',
      timestamp: '2026-05-01T17:44:29.000Z',
      service: 'village-cash-out',
      error: { name: 'TypeError', message: 'boom', stack: 'TypeError: boom\n    at x (y.ts:1:1)' },
    });
    const shown = humanLogLine(line)!;
    expect(shown).toBe('17:44:29 ERROR village-cash-out: Cash-out failed unexpectedly (error: TypeError: boom)');
    expect(shown).not.toContain('\n');
  });

  test('a long value is cut short; a line that is not a JSON log line is left alone', () => {
    const shown = humanLogLine(JSON.stringify({ level: 'WARN', message: 'm', detail: 'x'.repeat(500) }))!;
    expect(shown.length).toBeLessThan(140);
    for (const other of ['12:00:00 200 cash-out co_1: paid', '{not json', '{"a":1}']) expect(humanLogLine(other)).toBeUndefined();
  });
});
