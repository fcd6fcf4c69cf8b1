import type { AlertRecord } from '@prm/persistence';
import type { Condition } from '../rules/rules.js';
import { planLifecycle, severityRank } from './alert-lifecycle.js';

const T0 = new Date('2026-03-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

function condition(over: Partial<Condition> = {}): Condition {
  return {
    fingerprint: 'lag:stream:s1',
    kind: 'lag',
    severity: 'critical',
    subject: { type: 'stream', id: 's1', name: 'r/s1' },
    summary: 'lag',
    facts: [],
    remediation: [],
    endpointIds: ['e1'],
    streamIds: ['s1'],
    observation: 'p1',
    minHits: 2,
    forMs: 0,
    ...over,
  };
}

function open(over: Partial<AlertRecord> = {}): AlertRecord {
  return {
    id: 'a1',
    fingerprint: 'lag:stream:s1',
    kind: 'lag',
    severity: 'critical',
    state: 'pending',
    subject: { type: 'stream', id: 's1', name: 'r/s1' },
    summary: 'lag',
    facts: [],
    remediation: [],
    endpointIds: ['e1'],
    streamIds: ['s1'],
    firstSeenAt: T0.toISOString(),
    lastSeenAt: T0.toISOString(),
    firedAt: null,
    resolvedAt: null,
    acknowledgedBy: null,
    acknowledgedAt: null,
    silencedUntil: null,
    hits: 1,
    lastObservation: 'p1',
    notifiedSeverity: null,
    ...over,
  };
}

const all = () => true;

describe('alert lifecycle', () => {
  it('opens pending, or firing at once when one observation and no for-duration suffice', () => {
    const [p] = planLifecycle([], [condition()], all, T0);
    expect(p).toMatchObject({ op: 'insert', transition: null, alert: { state: 'pending', hits: 1, firedAt: null } });
    const [f] = planLifecycle([], [condition({ minHits: 1 })], all, T0);
    expect(f).toMatchObject({
      op: 'insert',
      transition: 'fired',
      alert: { state: 'firing', firedAt: T0.toISOString(), notifiedSeverity: 'critical' },
    });
    expect(p).toMatchObject({ alert: { notifiedSeverity: null } });
  });

  it('counts one hit per distinct observation and fires on the second one', () => {
    const [same] = planLifecycle([open()], [condition({ observation: 'p1' })], all, at(1000));
    expect(same).toMatchObject({ op: 'update', transition: null, patch: { hits: 1 } });
    const [next] = planLifecycle([open()], [condition({ observation: 'p2' })], all, at(2000));
    expect(next).toMatchObject({
      op: 'update',
      transition: 'fired',
      patch: { hits: 2, state: 'firing', notifiedSeverity: 'critical' },
    });
  });

  it('waits for the for-duration even with enough hits', () => {
    const c = condition({ observation: null, minHits: 1, forMs: 5000 });
    expect(planLifecycle([open()], [c], all, at(4000))[0]).toMatchObject({ transition: null });
    expect(planLifecycle([open()], [c], all, at(5000))[0]).toMatchObject({ transition: 'fired' });
  });

  it('keeps a firing alert firing (no second notification) and refreshes its text', () => {
    const [u] = planLifecycle(
      [open({ state: 'firing', hits: 5 })],
      [condition({ observation: 'p9', summary: 'new' })],
      all,
      at(1),
    );
    expect(u).toMatchObject({ op: 'update', transition: null, patch: { summary: 'new', hits: 6 } });
  });

  it('resolves a firing alert whose condition is gone, drops a pending one, leaves unobserved ones alone', () => {
    const firing = open({ id: 'f', state: 'firing' });
    const pending = open({ id: 'p', fingerprint: 'stream-down:stream:s1' });
    const elsewhere = open({ id: 'x', fingerprint: 'lag:stream:s2', state: 'firing' });
    const ops = planLifecycle([firing, pending, elsewhere], [], (fp) => fp.endsWith(':s1'), at(1));
    expect(ops).toEqual([
      { op: 'resolve', id: 'f', patch: { state: 'resolved', resolvedAt: at(1).toISOString() }, transition: 'resolved' },
      { op: 'drop', id: 'p' },
    ]);
  });

  describe('escalation', () => {
    const firingWarning = (over: Partial<AlertRecord> = {}) =>
      open({ state: 'firing', severity: 'warning', notifiedSeverity: 'warning', hits: 3, ...over });

    it('notifies once when a firing alert rises from warning to critical, and records the announced severity', () => {
      const ops = planLifecycle(
        [firingWarning()],
        [condition({ severity: 'critical', observation: 'p7' })],
        all,
        at(1),
      );
      expect(ops).toEqual([
        {
          op: 'update',
          id: 'a1',
          patch: expect.objectContaining({
            severity: 'critical',
            notifiedSeverity: 'critical',
            hits: 4,
            // acknowledged at warning: critical needs someone's attention again
            acknowledgedBy: null,
            acknowledgedAt: null,
          }),
          transition: 'escalated',
          escalatedFrom: 'warning',
        },
      ]);
      // The next evaluation sees the stored alert (critical announced): still critical is no new escalation.
      const stored = firingWarning({ severity: 'critical', notifiedSeverity: 'critical', hits: 4 });
      const [again] = planLifecycle([stored], [condition({ severity: 'critical', observation: 'p8' })], all, at(2));
      expect(again).toMatchObject({ op: 'update', transition: null, patch: { severity: 'critical' } });
      expect(again).not.toHaveProperty('escalatedFrom');
    });

    it('does not notify a de-escalation, nor a rise back to a severity already announced', () => {
      const critical = firingWarning({ severity: 'critical', notifiedSeverity: 'critical' });
      const [down] = planLifecycle([critical], [condition({ severity: 'warning', observation: 'p2' })], all, at(1));
      expect(down).toMatchObject({ op: 'update', transition: null, patch: { severity: 'warning' } });
      expect((down as { patch: object }).patch).not.toHaveProperty('notifiedSeverity');
      const calmed = firingWarning({ notifiedSeverity: 'critical' });
      const [up] = planLifecycle([calmed], [condition({ severity: 'critical', observation: 'p3' })], all, at(2));
      expect(up).toMatchObject({ op: 'update', transition: null, patch: { severity: 'critical' } });
    });

    it('escalates again past the highest announced severity (info → warning → critical)', () => {
      const info = firingWarning({ severity: 'info', notifiedSeverity: 'info' });
      const [w] = planLifecycle([info], [condition({ severity: 'warning', observation: 'p2' })], all, at(1));
      expect(w).toMatchObject({
        transition: 'escalated',
        escalatedFrom: 'info',
        patch: { notifiedSeverity: 'warning' },
      });
      const [c] = planLifecycle(
        [firingWarning()],
        [condition({ severity: 'critical', observation: 'p3' })],
        all,
        at(2),
      );
      expect(c).toMatchObject({ transition: 'escalated', escalatedFrom: 'warning' });
    });

    it('takes the stored severity as announced for alerts fired before escalations were tracked', () => {
      const legacy = firingWarning({ notifiedSeverity: null });
      const [e] = planLifecycle([legacy], [condition({ severity: 'critical', observation: 'p2' })], all, at(1));
      expect(e).toMatchObject({ transition: 'escalated', escalatedFrom: 'warning' });
    });

    it('does not escalate a pending alert: it fires later with the severity it has then', () => {
      const pending = open({ severity: 'warning' });
      const slow = condition({ severity: 'critical', observation: null, minHits: 1, forMs: 10_000 });
      const [p] = planLifecycle([pending], [slow], all, at(1000));
      expect(p).toMatchObject({ op: 'update', transition: null, patch: { severity: 'critical' } });
      const [f] = planLifecycle([pending], [slow], all, at(10_000));
      expect(f).toMatchObject({ transition: 'fired', patch: { severity: 'critical', notifiedSeverity: 'critical' } });
    });

    it('ranks severities info < warning < critical', () => {
      expect(
        ['critical', 'info', 'warning'].sort((a, b) => severityRank(a as never) - severityRank(b as never)),
      ).toEqual(['info', 'warning', 'critical']);
    });
  });

  it('handles a duplicated condition once', () => {
    expect(planLifecycle([], [condition(), condition()], all, T0)).toHaveLength(1);
  });
});
