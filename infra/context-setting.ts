import type { Construct } from 'constructs';

export interface WholeNumberSetting {
  /** The context key (`cdk deploy -c <name>=…`). */
  name: string;
  default: number;
  min: number;
  max?: number;
  /** What the number counts, for the error: `hours`, `minutes`. */
  unit: string;
}

/**
 * A deploy-time whole number: given in code, else the context value, else the default;
 * anything else is refused at synth with an error naming the setting.
 */
export function wholeNumberSetting(scope: Construct, given: number | undefined, setting: WholeNumberSetting): number {
  const raw: unknown = given ?? scope.node.tryGetContext(setting.name) ?? setting.default;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < setting.min || (setting.max !== undefined && value > setting.max)) {
    const range = setting.max === undefined ? `at least ${setting.min}` : `from ${setting.min} to ${setting.max}`;
    throw new Error(`${setting.name} must be a whole number of ${setting.unit}, ${range} (got ${String(raw)}).`);
  }
  return value;
}
