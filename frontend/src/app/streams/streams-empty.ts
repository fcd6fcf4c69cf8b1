import type { TopologyNode } from '../core/contracts';

/**
 * What the Streams table says when it has no row. Streams are discovered by polling each subscriber's
 * `pg_subscription`, so an empty list right after start-up or after registering endpoints means "not polled yet",
 * not "no streams": the text tells those apart.
 * @param loaded whether `GET /api/streams` has answered
 * @param nodes the topology's endpoints (null until `GET /api/topology` has answered); a node never polled has
 *   `checkedAt: null`
 * @param canCreate whether the user may open the New stream wizard (operator role)
 */
export function streamsEmptyText(loaded: boolean, nodes: readonly TopologyNode[] | null, canCreate: boolean): string {
  if (!loaded || nodes === null) return 'Loading…';
  if (nodes.length === 0) {
    return 'No endpoints registered yet: add the publishers and subscribers on the Endpoints page.';
  }
  const waiting = nodes.filter((n) => n.checkedAt === null).length;
  if (waiting > 0) {
    return (
      `Waiting for the first poll of ${waiting} of ${nodes.length} endpoint${nodes.length === 1 ? '' : 's'}: ` +
      'streams are found in each subscriber’s pg_subscription.'
    );
  }
  const unreachable = nodes.filter((n) => n.reachability !== 'reachable').length;
  const reach =
    unreachable > 0 ? ` (${unreachable} of them not reachable now, so their subscriptions are not known)` : '';
  return (
    `No subscriptions on the ${nodes.length} registered endpoint${nodes.length === 1 ? '' : 's'}${reach}.` +
    (canCreate ? ' Create one with New stream.' : '')
  );
}
