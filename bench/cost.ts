import type { RouteDefinition } from '../lib/routes.js';
import type { WarmResult } from './warm.js';

/**
 * AWS list prices used for the cost figures: us-east-1, as of writing (checked 2025; DynamoDB
 * on-demand after its November 2024 price cut). Free tiers are ignored.
 */
export const PRICES = {
  region: 'us-east-1',
  asOf: 'list prices as of writing (2025)',
  lambdaArmPerGbSecond: 0.0000133334,
  lambdaPerMillionRequests: 0.2,
  httpApiPerMillionRequests: 1.0,
  dynamoPerMillionWriteUnits: 0.625,
  dynamoPerMillionReadUnits: 0.125,
} as const;

export interface CostPerMillion {
  routeId: string;
  memoryMb: number;
  /** Mean billed duration (each invocation rounded up to 1 ms), from the warm run. */
  billedMs: number;
  writeUnits: number;
  readUnits: number;
  lambdaCompute: number;
  lambdaRequests: number;
  httpApi: number;
  dynamoWrites: number;
  dynamoReads: number;
  total: number;
  /** The same for a duplicate delivery. */
  duplicateTotal: number;
}

const money = (value: number) => Number(value.toFixed(4));

/** Dollars per million new events, from the measured durations and the counted capacity units. */
export function costPerMillion(route: RouteDefinition, warm: WarmResult): CostPerMillion {
  const perMillion = (billedMs: number, writeUnits: number, readUnits: number) => {
    const lambdaCompute = (billedMs / 1000) * (route.memoryMb / 1024) * PRICES.lambdaArmPerGbSecond * 1e6;
    const dynamoWrites = writeUnits * PRICES.dynamoPerMillionWriteUnits;
    const dynamoReads = readUnits * PRICES.dynamoPerMillionReadUnits;
    return { lambdaCompute, dynamoWrites, dynamoReads, total: lambdaCompute + PRICES.lambdaPerMillionRequests + PRICES.httpApiPerMillionRequests + dynamoWrites + dynamoReads };
  };
  const fresh = perMillion(warm.billedMsMean, warm.dynamoPerRequest.writeUnits, warm.dynamoPerRequest.readUnits);
  const duplicate = perMillion(warm.duplicateBilledMsMean, warm.dynamoPerDuplicate.writeUnits, warm.dynamoPerDuplicate.readUnits);
  return {
    routeId: route.id,
    memoryMb: route.memoryMb,
    billedMs: warm.billedMsMean,
    writeUnits: warm.dynamoPerRequest.writeUnits,
    readUnits: warm.dynamoPerRequest.readUnits,
    lambdaCompute: money(fresh.lambdaCompute),
    lambdaRequests: PRICES.lambdaPerMillionRequests,
    httpApi: PRICES.httpApiPerMillionRequests,
    dynamoWrites: money(fresh.dynamoWrites),
    dynamoReads: money(fresh.dynamoReads),
    total: money(fresh.total),
    duplicateTotal: money(duplicate.total),
  };
}
