import type { AlertView } from '@prm/contracts';
import { buildMessage, escalationPhrase, renderSlack, renderText } from './message.js';

const LAG: AlertView = {
  id: 'a1',
  fingerprint: 'lag:stream:s1',
  kind: 'lag',
  severity: 'warning',
  state: 'firing',
  subject: { type: 'stream', id: 's1', name: 'replica-b/sub_b' },
  summary: 'Lag of replica-b/sub_b is 17 MiB (over the critical threshold 16 MiB)',
  facts: [{ label: 'lag', value: '17 MiB' }],
  remediation: [{ text: 'Enable the subscription', command: 'ALTER SUBSCRIPTION "sub_b" ENABLE;' }],
  endpointIds: ['e1'],
  streamIds: ['s1'],
  firstSeenAt: '2026-01-01T00:00:00.000Z',
  lastSeenAt: '2026-01-01T00:05:00.000Z',
  firedAt: '2026-01-01T00:00:04.000Z',
  resolvedAt: null,
  acknowledgedBy: null,
  acknowledgedAt: null,
  silencedUntil: null,
};

describe('notification messages', () => {
  const now = new Date('2026-01-01T00:05:01.000Z');

  it('announces an escalation as "ESCALATED to CRITICAL (was WARNING)" with the new severity and the remediation', () => {
    // The stored alert calmed down to warning before delivery: the message still says what was escalated.
    const m = buildMessage('escalated', [LAG], now, false, [{ alertId: 'a1', from: 'warning', to: 'critical' }]);
    expect(m).toMatchObject({
      event: 'escalated',
      title: `[prm] ESCALATED to CRITICAL (was WARNING): ${LAG.summary}`,
      escalations: [{ alertId: 'a1', from: 'warning', to: 'critical' }],
      alerts: [{ id: 'a1', severity: 'critical' }],
    });
    const text = renderText(m);
    expect(text).toContain(`ESCALATED to CRITICAL (was WARNING) lag — ${LAG.summary}`);
    expect(text).toContain('What to do:');
    expect(text).toContain('ALTER SUBSCRIPTION "sub_b" ENABLE;');
    const slack = renderSlack(m).text;
    expect(slack).toContain(':red_circle: *lag* *ESCALATED to CRITICAL (was WARNING)*');
    expect(slack).toContain('```ALTER SUBSCRIPTION "sub_b" ENABLE;```');
  });

  it('groups several escalations in one message, each with its own severities', () => {
    const other: AlertView = { ...LAG, id: 'a2', kind: 'slot-forecast', subject: { ...LAG.subject, name: 'pub/slot' } };
    const m = buildMessage('escalated', [LAG, other], now, false, [
      { alertId: 'a1', from: 'warning', to: 'critical' },
      { alertId: 'a2', from: 'info', to: 'warning' },
    ]);
    expect(m.title).toBe('[prm] 2 alerts escalated: replica-b/sub_b, pub/slot');
    expect(m.alerts.map((a) => a.severity)).toEqual(['critical', 'warning']);
    const text = renderText(m);
    expect(text).toContain('ESCALATED to CRITICAL (was WARNING) lag');
    expect(text).toContain('ESCALATED to WARNING (was INFO) slot-forecast');
    expect(renderSlack(m).text).toContain(':warning: *slot-forecast* *ESCALATED to WARNING (was INFO)*');
  });

  it('keeps fired and resolved messages as they were (no escalation fields)', () => {
    const fired = buildMessage('fired', [LAG], now);
    expect(fired.title).toBe(`[prm] WARNING: ${LAG.summary}`);
    expect(fired).not.toHaveProperty('escalations');
    const resolved = buildMessage('resolved', [LAG, { ...LAG, id: 'a3' }], now);
    expect(resolved.title).toBe('[prm] 2 alerts resolved: replica-b/sub_b, replica-b/sub_b');
    expect(renderText(resolved)).not.toContain('What to do');
    expect(escalationPhrase({ from: 'info', to: 'critical' })).toBe('ESCALATED to CRITICAL (was INFO)');
  });
});
