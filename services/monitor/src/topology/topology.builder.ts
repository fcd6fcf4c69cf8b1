import {
  type EdgeState,
  type EndpointStatus,
  type EndpointView,
  type Reachability,
  type SubscriptionInfo,
  type TopologyEdge,
  type TopologyNode,
  type TopologyView,
} from '@prm/contracts';

/** libpq's default port when a conninfo names none. */
export const DEFAULT_PG_PORT = 5432;
/** PostgreSQL's default `wal_receiver_timeout` (60 s): an apply worker that hears nothing for that long exits. */
export const DEFAULT_WAL_RECEIVER_TIMEOUT_MS = 60_000;
/** The monitor's default poll interval, ms (monitoring.md §0.5). */
export const DEFAULT_POLL_INTERVAL_MS = 15_000;

export interface TopologyOptions {
  /** Poll interval, ms; statuses older than two intervals are stale. Default 15000. */
  pollIntervalMs?: number;
  /** Subscribers' `wal_receiver_timeout`, ms. Default 60000. */
  walReceiverTimeoutMs?: number;
}

/** Host as compared between a conninfo and an endpoint: lower case, no trailing dot, loopback names unified. */
export function normalizeHost(host: string): string {
  const h = host.trim().toLowerCase().replace(/\.$/, '');
  return h === '127.0.0.1' || h === '::1' || h === '[::1]' || h === 'localhost' ? 'localhost' : h;
}

function groupOf(e: EndpointView): string {
  return `${e.cloud} / ${e.region ?? '-'} / ${e.network ?? '-'}`;
}

interface Link {
  subscriber: EndpointView;
  subscription: SubscriptionInfo;
  publisher: EndpointView;
}

/**
 * Finds the endpoint a subscription replicates from.
 * 1. By the conninfo target (read from `pg_subscription.subconninfo` when the role may): host (case-insensitive,
 *    `localhost` = `127.0.0.1` = `::1`), port (default 5432) and dbname; a target without dbname matches only
 *    when a single endpoint listens on that host and port.
 * 2. When the conninfo is not readable (non-superuser monitoring role): the single other endpoint holding a
 *    logical slot named like the subscription's slot (slot names default to the subscription name).
 * Returns null when nothing or more than one endpoint matches. To match many subscriptions against the same
 * endpoints, use {@link publisherFinder} (indexes them once).
 */
export function findPublisher(
  sub: SubscriptionInfo,
  subscriber: EndpointView,
  endpoints: EndpointView[],
  statuses: ReadonlyMap<string, EndpointStatus>,
): EndpointView | null {
  return publisherFinder(endpoints, statuses)(sub, subscriber);
}

const hostPortKey = (host: string, port: number): string => `${normalizeHost(host)}\t${port}`;

/** Host/port indexes of endpoint lists, kept while the list lives (the monitor reuses its list between polls). */
const hostPortIndexes = new WeakMap<readonly EndpointView[], ReadonlyMap<string, EndpointView[]>>();

/** `endpoints` by normalized host and port, each bucket in list order; built once per list (lists are not mutated). */
function hostPortIndex(endpoints: readonly EndpointView[]): ReadonlyMap<string, EndpointView[]> {
  let index = hostPortIndexes.get(endpoints);
  if (!index) {
    const built = new Map<string, EndpointView[]>();
    for (const e of endpoints) {
      const k = hostPortKey(e.host, e.port);
      built.set(k, [...(built.get(k) ?? []), e]);
    }
    hostPortIndexes.set(endpoints, (index = built));
  }
  return index;
}

/**
 * {@link findPublisher} for many subscriptions: indexes `endpoints` by normalized host and port (once per list: the
 * index is kept with the array, which must not be mutated afterwards) and, on first need, by the logical slots their
 * snapshots hold, so each lookup costs a map access instead of a scan.
 * @returns `(subscription, subscriber) => publisher | null`, with exactly the rules of {@link findPublisher}.
 */
export function publisherFinder(
  endpoints: EndpointView[],
  statuses: ReadonlyMap<string, EndpointStatus>,
): (sub: SubscriptionInfo, subscriber: EndpointView) => EndpointView | null {
  const byHostPort = hostPortIndex(endpoints);
  let slotHolders: Map<string, EndpointView[]> | null = null;
  const holdersOf = (slotName: string): EndpointView[] => {
    if (!slotHolders) {
      slotHolders = new Map();
      for (const e of endpoints) {
        const names = new Set(
          (statuses.get(e.id)?.slots ?? []).filter((s) => s.slotType === 'logical').map((s) => s.name),
        );
        for (const name of names) slotHolders.set(name, [...(slotHolders.get(name) ?? []), e]);
      }
    }
    return slotHolders.get(slotName) ?? [];
  };
  return (sub, subscriber) => {
    if (sub.publisherHost !== null) {
      const onHostPort = byHostPort.get(hostPortKey(sub.publisherHost, sub.publisherPort ?? DEFAULT_PG_PORT)) ?? [];
      if (sub.publisherDbname !== null) {
        const exact = onHostPort.filter((e) => e.dbname === sub.publisherDbname);
        return exact.length >= 1 ? exact[0] : null;
      }
      return onHostPort.length === 1 ? onHostPort[0] : null;
    }
    if (sub.conninfo === null && sub.slotName !== null) {
      const holders = holdersOf(sub.slotName).filter((e) => e.id !== subscriber.id);
      return holders.length === 1 ? holders[0] : null;
    }
    return null;
  };
}

/**
 * Holistic reachability (orchestrator's model, shared/research/anchors.md §4.1): prm failing to reach an
 * endpoint is only an outage when its subscribers lost it too. An `unreachable` endpoint becomes
 * `unreachable-from-prm` when at least one subscriber that prm reached within two poll intervals has a running
 * apply worker for a subscription to it whose `last_msg_receipt_time` is within
 * `2 × pollInterval + wal_receiver_timeout` of that subscriber's own `now()` (same clock, no skew).
 */
function holisticReachability(
  endpoint: EndpointView,
  status: EndpointStatus | undefined,
  links: Link[],
  statuses: Map<string, EndpointStatus>,
  now: Date,
  pollIntervalMs: number,
  walReceiverTimeoutMs: number,
): Reachability {
  if (!status) return 'unknown';
  if (status.reachability !== 'unreachable') return status.reachability;
  const windowMs = 2 * pollIntervalMs + walReceiverTimeoutMs;
  const stillFed = links.some((l) => {
    if (l.publisher.id !== endpoint.id || l.subscriber.id === endpoint.id) return false;
    const sub = statuses.get(l.subscriber.id);
    if (!sub || sub.reachability !== 'reachable' || sub.serverTime === null) return false;
    if (now.getTime() - Date.parse(sub.checkedAt) > 2 * pollIntervalMs) return false;
    const s = l.subscription;
    if (!s.enabled || s.workerPid === null || s.lastMsgReceiptTime === null) return false;
    const age = Date.parse(sub.serverTime) - Date.parse(s.lastMsgReceiptTime);
    return Number.isFinite(age) && age <= windowMs;
  });
  return stillFed ? 'unreachable-from-prm' : 'unreachable';
}

function edgeState(subscription: SubscriptionInfo, sourceReach: Reachability, targetReach: Reachability): EdgeState {
  // The subscriber's own catalog is the authority on the stream; without a fresh one we know nothing.
  if (targetReach === 'unknown') return 'unknown';
  if (targetReach !== 'reachable' || sourceReach === 'unreachable') return 'unreachable';
  if (!subscription.enabled) return 'disabled';
  return subscription.workerPid === null ? 'down' : 'streaming';
}

/**
 * Derives the topology map from endpoints and their latest status snapshots. Pure: same input, same output.
 *
 * - One node per endpoint, in input order, grouped by `cloud / region / network` (`-` for a missing part).
 *   Node reachability is holistic (see `holisticReachability`); an endpoint without a status is `unknown`.
 * - One edge per subscription (on a subscriber endpoint's last known catalog) whose publisher is a known
 *   endpoint (see `findPublisher`); id `<targetEndpointId>:<subscriptionName>`, source = publisher.
 * - Edge state (contracts `EdgeState`): `unknown` when the subscriber was never polled; `unreachable` when the
 *   subscriber is not reachable now or the publisher is `unreachable` (an `unreachable-from-prm` publisher
 *   keeps the state its subscriber reports); else `disabled` (`subenabled = false`), `down` (enabled, no apply
 *   worker) or `streaming`.
 * - `lagBytes`: the publisher's slot named like the subscription's slot (`pg_current_wal_lsn() −
 *   confirmed_flush_lsn`, bytes), only when the publisher was reached this round; else null.
 *
 * @param now prm's clock, compared with `EndpointStatus.checkedAt` (also prm's clock).
 */
export function buildTopology(
  endpoints: EndpointView[],
  statuses: EndpointStatus[],
  now: Date,
  options: TopologyOptions = {},
): TopologyView {
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const walReceiverTimeoutMs = options.walReceiverTimeoutMs ?? DEFAULT_WAL_RECEIVER_TIMEOUT_MS;
  const known = new Set(endpoints.map((e) => e.id));
  const statusById = new Map(statuses.filter((s) => known.has(s.endpointId)).map((s) => [s.endpointId, s]));

  const links: Link[] = [];
  const publisherOf = publisherFinder(endpoints, statusById);
  for (const subscriber of endpoints) {
    for (const subscription of statusById.get(subscriber.id)?.subscriptions ?? []) {
      const publisher = publisherOf(subscription, subscriber);
      if (publisher) links.push({ subscriber, subscription, publisher });
    }
  }

  const reach = new Map<string, Reachability>(
    endpoints.map((e) => [
      e.id,
      holisticReachability(e, statusById.get(e.id), links, statusById, now, pollIntervalMs, walReceiverTimeoutMs),
    ]),
  );

  const nodes: TopologyNode[] = endpoints.map((e) => {
    const s = statusById.get(e.id);
    return {
      id: e.id,
      name: e.name,
      role: e.role,
      cloud: e.cloud,
      region: e.region,
      network: e.network,
      group: groupOf(e),
      host: e.host,
      port: e.port,
      dbname: e.dbname,
      reachability: reach.get(e.id) ?? 'unknown',
      serverVersion: s?.serverVersion ?? null,
      rttMs: s?.rttMs ?? null,
      lastError: s?.lastError ?? null,
      checkedAt: s?.checkedAt ?? null,
    };
  });

  const edges: TopologyEdge[] = links.map(({ subscriber, subscription, publisher }) => {
    const sourceReach = reach.get(publisher.id) ?? 'unknown';
    const pubStatus = statusById.get(publisher.id);
    const slot =
      pubStatus?.reachability === 'reachable' && subscription.slotName !== null
        ? pubStatus.slots.find((s) => s.slotType === 'logical' && s.name === subscription.slotName)
        : undefined;
    return {
      id: `${subscriber.id}:${subscription.name}`,
      source: publisher.id,
      target: subscriber.id,
      subscription: subscription.name,
      publications: subscription.publications,
      slotName: subscription.slotName,
      state: edgeState(subscription, sourceReach, reach.get(subscriber.id) ?? 'unknown'),
      lagBytes: slot?.lagBytes ?? null,
    };
  });
  edges.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));

  return { nodes, edges, generatedAt: now.toISOString() };
}
