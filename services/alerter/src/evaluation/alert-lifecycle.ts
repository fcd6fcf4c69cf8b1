import type { AlertSeverity } from '@prm/contracts';
import type { AlertPatch, AlertRecord, NewAlert } from '@prm/persistence';
import type { Condition } from '../rules/rules.js';

/**
 * One change the lifecycle makes to the alert table; `transition` is what gets notified. An `escalated` update
 * carries `escalatedFrom`, the highest severity announced before (the new one is `patch.severity`).
 */
export type LifecycleOp =
  | { op: 'insert'; alert: NewAlert; transition: 'fired' | null }
  | { op: 'update'; id: string; patch: AlertPatch; transition: 'fired' | null }
  | { op: 'update'; id: string; patch: AlertPatch; transition: 'escalated'; escalatedFrom: AlertSeverity }
  | { op: 'resolve'; id: string; patch: AlertPatch; transition: 'resolved' }
  | { op: 'drop'; id: string };

const RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };

/** Rank of a severity: info 0 < warning 1 < critical 2. */
export const severityRank = (s: AlertSeverity): number => RANK[s];

function ready(hits: number, firstSeenAt: string, c: Condition, now: Date): boolean {
  return hits >= c.minHits && now.getTime() - Date.parse(firstSeenAt) >= c.forMs;
}

/**
 * The alert lifecycle for one evaluation (pure):
 * - a condition without an open alert opens one: `pending`, or `firing` at once when one observation and no `for`
 *   duration suffice;
 * - a condition with an open alert refreshes it (severity, text, facts, last seen) and counts a hit per distinct
 *   observation; a `pending` alert turns `firing` once it has `minHits` hits and is `forMs` old (and records the
 *   severity it announces in `notifiedSeverity`);
 * - a `firing` alert whose severity rises above its `notifiedSeverity` (the highest announced so far; its severity
 *   when null) escalates: one `escalated` transition, `notifiedSeverity` becomes the new severity, and an
 *   acknowledgement ends (it was given for the lower severity: the alert counts in the header badge again). A lower
 *   severity (de-escalation) is stored but not announced, and rising back to an already announced severity is not a
 *   new escalation (a flapping condition pages once per level);
 * - an open alert whose condition is gone, among the fingerprints this evaluation observed, is resolved when it had
 *   fired, or dropped when it was still pending (it never notified anybody).
 * @param open the open alerts (pending/firing) of the evaluated scope.
 * @param observed whether this evaluation observed a fingerprint (see `RuleOutput.observed`).
 */
export function planLifecycle(
  open: AlertRecord[],
  conditions: Condition[],
  observed: (fingerprint: string) => boolean,
  now: Date,
): LifecycleOp[] {
  const at = now.toISOString();
  const byFp = new Map(open.map((a) => [a.fingerprint, a]));
  const ops: LifecycleOp[] = [];
  const seen = new Set<string>();
  for (const c of conditions) {
    if (seen.has(c.fingerprint)) continue;
    seen.add(c.fingerprint);
    const text = {
      severity: c.severity,
      subject: c.subject,
      summary: c.summary,
      facts: c.facts,
      remediation: c.remediation,
      endpointIds: c.endpointIds,
      streamIds: c.streamIds,
    };
    const a = byFp.get(c.fingerprint);
    if (!a) {
      const firing = ready(1, at, c, now);
      ops.push({
        op: 'insert',
        alert: {
          ...text,
          fingerprint: c.fingerprint,
          kind: c.kind,
          state: firing ? 'firing' : 'pending',
          firstSeenAt: at,
          lastSeenAt: at,
          firedAt: firing ? at : null,
          resolvedAt: null,
          hits: 1,
          lastObservation: c.observation,
          notifiedSeverity: firing ? c.severity : null,
        },
        transition: firing ? 'fired' : null,
      });
      continue;
    }
    const repeated = c.observation !== null && c.observation === a.lastObservation;
    const hits = repeated ? a.hits : a.hits + 1;
    const fire = a.state === 'pending' && ready(hits, a.firstSeenAt, c, now);
    const patch: AlertPatch = {
      ...text,
      lastSeenAt: at,
      hits,
      lastObservation: c.observation,
      ...(fire ? { state: 'firing' as const, firedAt: at, notifiedSeverity: c.severity } : {}),
    };
    const announced = a.notifiedSeverity ?? a.severity;
    if (a.state === 'firing' && severityRank(c.severity) > severityRank(announced)) {
      ops.push({
        op: 'update',
        id: a.id,
        patch: { ...patch, notifiedSeverity: c.severity, acknowledgedBy: null, acknowledgedAt: null },
        transition: 'escalated',
        escalatedFrom: announced,
      });
      continue;
    }
    ops.push({ op: 'update', id: a.id, patch, transition: fire ? 'fired' : null });
  }
  for (const a of open) {
    if (seen.has(a.fingerprint) || !observed(a.fingerprint)) continue;
    if (a.state === 'pending') ops.push({ op: 'drop', id: a.id });
    else ops.push({ op: 'resolve', id: a.id, patch: { state: 'resolved', resolvedAt: at }, transition: 'resolved' });
  }
  return ops;
}
