import type { Bundle, ColdStartResult } from './cold-start.js';
import type { CostPerMillion } from './cost.js';
import type { WarmResult } from './warm.js';
import { ratio } from './stats.js';

/** The Stripe route against the peer, each a ratio of the route's figure to the peer's, in one run. */
export const PEER_TARGETS = { warmP50: 0.6, warmP99: 0.6, writeUnits: 0.5, cost: 0.75, coldStart: 1 } as const;

export interface VersusPeer {
  route: number;
  peer: number;
  ratio: number;
  target: number;
  met: boolean;
}

export interface PeerComparison {
  routeId: string;
  peerId: string;
  warmP50: VersusPeer;
  warmP99: VersusPeer;
  /** Per new event. */
  writeUnits: VersusPeer;
  /** DynamoDB calls per new event (round trips): not a target, shown beside. */
  roundTrips: { route: number; peer: number };
  costPerMillion: VersusPeer;
  coldStartMs: VersusPeer;
  bundleBytes: { route: number; peer: number };
  /** Each one's warm p50 and p99 over the floor's, in the same run. */
  ofFloor: { route: { p50: number; p99: number }; peer: { p50: number; p99: number } };
}

const versus = (route: number, peer: number, target: number): VersusPeer => {
  const r = ratio(route, peer);
  return { route, peer, ratio: r, target, met: r <= target };
};

const calls = (warm: WarmResult) =>
  Number(
    Object.values(warm.dynamoPerRequest.calls)
      .reduce((sum, n) => sum + n, 0)
      .toFixed(3),
  );

export function comparePeer(input: {
  route: WarmResult;
  peer: WarmResult;
  floor: WarmResult;
  routeCost: CostPerMillion;
  peerCost: CostPerMillion;
  routeCold?: ColdStartResult;
  peerCold?: ColdStartResult;
  routeBundle?: Bundle;
  peerBundle?: Bundle;
}): PeerComparison {
  const { route, peer, floor } = input;
  return {
    routeId: route.id,
    peerId: peer.id,
    warmP50: versus(route.latency.p50, peer.latency.p50, PEER_TARGETS.warmP50),
    warmP99: versus(route.latency.p99, peer.latency.p99, PEER_TARGETS.warmP99),
    writeUnits: versus(route.dynamoPerRequest.writeUnits, peer.dynamoPerRequest.writeUnits, PEER_TARGETS.writeUnits),
    roundTrips: { route: calls(route), peer: calls(peer) },
    costPerMillion: versus(input.routeCost.total, input.peerCost.total, PEER_TARGETS.cost),
    coldStartMs: versus(input.routeCold?.wallMs ?? Number.NaN, input.peerCold?.wallMs ?? Number.NaN, PEER_TARGETS.coldStart),
    bundleBytes: { route: input.routeBundle?.bytes ?? 0, peer: input.peerBundle?.bytes ?? 0 },
    ofFloor: {
      route: { p50: ratio(route.latency.p50, floor.latency.p50), p99: ratio(route.latency.p99, floor.latency.p99) },
      peer: { p50: ratio(peer.latency.p50, floor.latency.p50), p99: ratio(peer.latency.p99, floor.latency.p99) },
    },
  };
}
