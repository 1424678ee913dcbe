import type { RouteDefinition } from '../infra/routes.js';
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

/** Lambda compute per million invocations of `billedMs` at `memoryMb`, USD. */
export const lambdaComputePerMillion = (billedMs: number, memoryMb: number): number =>
  (billedMs / 1000) * (memoryMb / 1024) * PRICES.lambdaArmPerGbSecond * 1e6;

/** Lambda gives a function one vCPU at 1,769 MB and CPU in proportion to memory below that (AWS Lambda docs, "memory and computing power"). */
export const FULL_VCPU_MB = 1769;

export interface MemoryOption {
  memoryMb: number;
  /** The invocation's modelled duration at this memory size. */
  durationMs: number;
  /** Lambda compute plus requests per million invocations, USD. */
  lambdaPerMillion: number;
}

/**
 * What an invocation would take and cost at each memory size, from what was measured at a full
 * core: its wall time and the CPU time within it. Waiting (Stripe, DynamoDB) does not slow
 * down with less CPU; the CPU part stretches by 1769 / memory below one vCPU and does not
 * shrink above it (the handler is single-threaded). A model, stated as such.
 */
export function memoryOptions(
  measured: { wallMs: number; cpuMs: number },
  sizes: readonly number[] = [128, 256, 512, 1024, FULL_VCPU_MB],
): MemoryOption[] {
  const waitMs = Math.max(0, measured.wallMs - measured.cpuMs);
  return sizes.map((memoryMb) => {
    const durationMs = waitMs + measured.cpuMs * Math.max(1, FULL_VCPU_MB / memoryMb);
    return {
      memoryMb,
      durationMs: Number(durationMs.toFixed(1)),
      lambdaPerMillion: money(lambdaComputePerMillion(Math.ceil(durationMs), memoryMb) + PRICES.lambdaPerMillionRequests),
    };
  });
}

/** Dollars per million new events, from the measured durations and the counted capacity units. */
export function costPerMillion(
  route: Pick<RouteDefinition, 'id' | 'memoryMb'>,
  warm: Pick<WarmResult, 'billedMsMean' | 'duplicateBilledMsMean' | 'dynamoPerRequest' | 'dynamoPerDuplicate'>,
): CostPerMillion {
  const perMillion = (billedMs: number, writeUnits: number, readUnits: number) => {
    const lambdaCompute = lambdaComputePerMillion(billedMs, route.memoryMb);
    const dynamoWrites = writeUnits * PRICES.dynamoPerMillionWriteUnits;
    const dynamoReads = readUnits * PRICES.dynamoPerMillionReadUnits;
    return {
      lambdaCompute,
      dynamoWrites,
      dynamoReads,
      total: lambdaCompute + PRICES.lambdaPerMillionRequests + PRICES.httpApiPerMillionRequests + dynamoWrites + dynamoReads,
    };
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
