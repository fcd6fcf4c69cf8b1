import { type Cloud, type EndpointRole } from './endpoint.js';
import { type Reachability } from './status.js';

/** One endpoint on the topology map. */
export interface TopologyNode {
  id: string;
  name: string;
  role: EndpointRole;
  cloud: Cloud;
  region: string | null;
  network: string | null;
  /** Grouping key for the map: `cloud / region / network`. */
  group: string;
  host: string;
  port: number;
  dbname: string;
  reachability: Reachability;
  serverVersion: string | null;
  rttMs: number | null;
  lastError: { code: string; message: string; at: string } | null;
  checkedAt: string | null;
}

/**
 * `streaming`: subscription enabled and its apply worker running; `disabled`: subscription disabled;
 * `down`: enabled but no apply worker; `unreachable`: either end cannot be polled; `unknown`: not polled yet.
 */
export type EdgeState = 'streaming' | 'disabled' | 'down' | 'unreachable' | 'unknown';

/** One stream: publisher (source) → subscriber (target), derived from a subscription's conninfo. */
export interface TopologyEdge {
  /** `<targetEndpointId>:<subscriptionName>` */
  id: string;
  source: string;
  target: string;
  subscription: string;
  publications: string[];
  slotName: string | null;
  state: EdgeState;
  /** Slot lag in bytes from the publisher's side, when known. */
  lagBytes: number | null;
}

export interface TopologyView {
  nodes: TopologyNode[];
  edges: TopologyEdge[];
  generatedAt: string;
}
