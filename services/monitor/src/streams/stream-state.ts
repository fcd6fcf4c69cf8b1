import { type StreamState, type SubscriptionTableInfo } from '@prm/contracts';

/** Everything the state decision looks at (built by the stream status service from both ends' snapshots). */
export interface StreamStateInput {
  /** The subscriber's snapshot: null when never polled. */
  subscriber: { reachable: boolean; stale: boolean; name: string; errorCode: string | null } | null;
  /** The publisher: null when the stream's publisher is not a known endpoint. */
  publisher: { reachable: boolean; stale: boolean; name: string; polled: boolean } | null;
  /** The subscription in the subscriber's catalog; null when it vanished. */
  subscription: {
    enabled: boolean;
    workerPid: number | null;
    tables: SubscriptionTableInfo[];
    disableOnError: boolean;
  } | null;
  /** The stream's slot on the publisher: undefined when unknown (publisher not polled), null when absent. */
  slot: { name: string; active: boolean } | null | undefined;
  /** The slot name the subscription uses (null: `slot_name = NONE`). */
  slotName: string | null;
  /** Consecutive subscriber polls with the subscription enabled and no apply worker (this one included). */
  workerMissingPolls: number;
  /** The apply worker was seen running at some poll of this stream. */
  everHadWorker: boolean;
  /** Consecutive publisher polls with the slot inactive (this one included). */
  slotInactivePolls: number;
  /** An error within the hold window: why (counter rise or logged error), else null. */
  recentError: string | null;
  /** The backfill estimator says the copy made no progress for the stall window. */
  backfillStalled: boolean;
  stallAfterMs: number;
  /** Paused through prm (the stream record's `pausedAt`/`pausedBy`), else null. */
  paused?: { at: string; by: string | null } | null;
}

export interface StreamStateResult {
  state: StreamState;
  /** One line for people. */
  reason: string | null;
}

/**
 * Decides a stream's state (contracts `StreamState`), first match wins:
 * 1. `unknown`: subscriber never polled, unreachable or stale; or the subscription vanished.
 * 2. `disabled`: `subenabled = false` (the subscriber's catalog is the authority; noted when paused through prm,
 *    or when `disable_on_error` and an error was seen).
 * 3. `unknown`: the publisher is not a known endpoint, or it is unreachable or stale.
 * 4. `error`: apply/sync error counters rose, or a replication error was logged, within the hold window.
 * 5. `stalled`: enabled but no apply worker for ≥ 2 polls (after it once ran); the slot missing on the publisher or
 *    inactive for ≥ 2 publisher polls; or the backfill estimator reports no copy progress.
 * 6. `initializing`: no apply worker yet on a new stream, or every not-ready table still in `i`.
 * 7. `backfilling`: some table not `r` (copying, copied or synchronized).
 * 8. `streaming`.
 */
export function deriveStreamState(i: StreamStateInput): StreamStateResult {
  const sub = i.subscriber;
  if (!sub) return { state: 'unknown', reason: 'subscriber not polled yet' };
  if (!sub.reachable) {
    return {
      state: 'unknown',
      reason: `subscriber ${sub.name} unreachable${sub.errorCode ? ` (${sub.errorCode})` : ''}`,
    };
  }
  if (sub.stale) return { state: 'unknown', reason: `subscriber ${sub.name} not polled recently` };
  const s = i.subscription;
  if (!s) return { state: 'unknown', reason: 'subscription no longer in the subscriber catalog' };
  if (!s.enabled) {
    if (i.paused) {
      return { state: 'disabled', reason: `paused through prm by ${i.paused.by ?? 'unknown'} at ${i.paused.at}` };
    }
    return {
      state: 'disabled',
      reason:
        s.disableOnError && i.recentError
          ? `subscription disabled after an error (disable_on_error): ${i.recentError}`
          : 'subscription disabled (subenabled = false)',
    };
  }
  const pub = i.publisher;
  if (!pub) return { state: 'unknown', reason: 'publisher is not a known endpoint' };
  if (!pub.polled) return { state: 'unknown', reason: `publisher ${pub.name} not polled yet` };
  if (!pub.reachable) return { state: 'unknown', reason: `publisher ${pub.name} unreachable` };
  if (pub.stale) return { state: 'unknown', reason: `publisher ${pub.name} not polled recently` };
  if (i.recentError) return { state: 'error', reason: i.recentError };

  const notReady = s.tables.filter((t) => t.state !== 'r');
  if (s.workerPid === null) {
    if (!i.everHadWorker) return { state: 'initializing', reason: 'apply worker not started yet' };
    if (i.workerMissingPolls >= 2) {
      return { state: 'stalled', reason: `apply worker not running (${i.workerMissingPolls} polls)` };
    }
  }
  if (i.slotName !== null && i.slot === null) {
    return { state: 'stalled', reason: `replication slot ${i.slotName} not found on publisher ${pub.name}` };
  }
  if (i.slot && !i.slot.active && i.slotInactivePolls >= 2) {
    return { state: 'stalled', reason: `replication slot ${i.slot.name} inactive (${i.slotInactivePolls} polls)` };
  }
  if (i.backfillStalled) {
    return { state: 'stalled', reason: `table copy made no progress for ${Math.round(i.stallAfterMs / 1000)} s` };
  }
  if (notReady.length > 0) {
    if (notReady.every((t) => t.state === 'i')) {
      return { state: 'initializing', reason: `${notReady.length} of ${s.tables.length} tables waiting for sync` };
    }
    const done = s.tables.length - notReady.length;
    return { state: 'backfilling', reason: `${done} of ${s.tables.length} tables ready` };
  }
  return { state: 'streaming', reason: null };
}
