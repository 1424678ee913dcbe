/**
 * Builds the `SET` and `REMOVE` clauses of a DynamoDB update from plain fields. Field names go
 * through placeholders (`#u0`), never into the expression's text: they may be reserved words
 * (`status`) or a provider's own names. `undefined` leaves a field alone; `null` removes it.
 */
export interface FieldUpdate {
  /** `SET …` clauses, without the keyword, to join with others' (`extra` sets, `if_not_exists`). */
  sets: string[];
  /** `REMOVE …` clauses, without the keyword. */
  removes: string[];
  names: Record<string, string>;
  values: Record<string, unknown>;
}

export function fieldUpdate(fields: Record<string, unknown>, prefix = 'u'): FieldUpdate {
  const update: FieldUpdate = { sets: [], removes: [], names: {}, values: {} };
  Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .forEach(([name, value], index) => {
      const placeholder = `${prefix}${index}`;
      update.names[`#${placeholder}`] = name;
      if (value === null) {
        update.removes.push(`#${placeholder}`);
        return;
      }
      update.values[`:${placeholder}`] = value;
      update.sets.push(`#${placeholder} = :${placeholder}`);
    });
  return update;
}

/** The whole `UpdateExpression`: `SET a, b REMOVE c`, or '' when there is nothing to do. */
export function updateExpression(update: Pick<FieldUpdate, 'sets' | 'removes'>): string {
  return [update.sets.length ? `SET ${update.sets.join(', ')}` : '', update.removes.length ? `REMOVE ${update.removes.join(', ')}` : '']
    .filter(Boolean)
    .join(' ');
}
