import { describe, expect, it } from '@jest/globals';
import { fieldUpdate, updateExpression } from '../functions/shared/dynamodb.js';

describe('building an update from plain fields', () => {
  it('sets each defined field through placeholders, so reserved words and provider names never enter the expression', () => {
    const update = fieldUpdate({ status: 'paid', 'weird name': 3 });
    expect(updateExpression(update)).toBe('SET #u0 = :u0, #u1 = :u1');
    expect(update.names).toEqual({ '#u0': 'status', '#u1': 'weird name' });
    expect(update.values).toEqual({ ':u0': 'paid', ':u1': 3 });
  });

  it('leaves an undefined field alone and removes a null one', () => {
    const update = fieldUpdate({ kept: 'x', untouched: undefined, gone: null }, 'f');
    expect(updateExpression(update)).toBe('SET #f0 = :f0 REMOVE #f1');
    expect(update.names).toEqual({ '#f0': 'kept', '#f1': 'gone' });
    expect(update.values).toEqual({ ':f0': 'x' });
  });

  it('gives no expression when there is nothing to write', () => {
    expect(updateExpression(fieldUpdate({ a: undefined }))).toBe('');
  });
});
