import type { AlertView } from '@prm/contracts';
import { buildMessage, renderSlack, renderText } from './message.js';

const NOW = new Date('2026-02-01T10:00:00.000Z');

const SLOT: AlertView = {
  id: 'a1',
  fingerprint: 'slot-retention:slot:e1/sub_b',
  kind: 'slot-retention',
  severity: 'critical',
  state: 'firing',
  subject: { type: 'slot', id: 'e1/sub_b', name: 'pub/sub_b' },
  summary: 'Slot sub_b retains 21.0 GiB (22548578304 bytes) of WAL (over the critical threshold)',
  facts: [
    { label: 'slot', value: 'sub_b' },
    { label: 'wal_status', value: 'extended' },
  ],
  remediation: [
    { text: 'Retained WAL stays on the publisher’s disk until the consumer confirms it' },
    { text: 'Drop it if abandoned', command: "SELECT pg_drop_replication_slot('sub_b');" },
  ],
  endpointIds: ['e1'],
  streamIds: [],
  firstSeenAt: '2026-02-01T09:00:00.000Z',
  lastSeenAt: '2026-02-01T09:59:00.000Z',
  firedAt: '2026-02-01T09:01:00.000Z',
  resolvedAt: null,
  acknowledgedBy: null,
  acknowledgedAt: null,
  silencedUntil: null,
};

const UNREACHABLE: AlertView = {
  ...SLOT,
  id: 'a2',
  fingerprint: 'endpoint-unreachable:endpoint:e2',
  kind: 'endpoint-unreachable',
  severity: 'warning',
  subject: { type: 'endpoint', id: 'e2', name: 'replica-b' },
  summary: 'Endpoint replica-b is unreachable from prm (3 failed polls: timeout)',
  facts: [{ label: 'failed polls', value: '3' }],
  remediation: [
    { text: 'Check that the server accepts connections', command: 'pg_isready -h 10.0.0.2 -p 5432 -d app' },
  ],
};

describe('buildMessage: titles', () => {
  it('a single firing alert: severity and summary', () => {
    expect(buildMessage('fired', [SLOT], NOW).title).toBe(`[prm] CRITICAL: ${SLOT.summary}`);
  });

  it('a single resolved alert says RESOLVED, not its old severity', () => {
    const m = buildMessage('resolved', [{ ...SLOT, state: 'resolved', resolvedAt: NOW.toISOString() }], NOW);
    expect(m.title).toBe(`[prm] RESOLVED: ${SLOT.summary}`);
    expect(m.sentAt).toBe('2026-02-01T10:00:00.000Z');
    expect(m.version).toBe(1);
  });

  it('an escalation without an entry for the alert falls back to its severity', () => {
    const m = buildMessage('escalated', [SLOT], NOW, false, [{ alertId: 'other', from: 'warning', to: 'critical' }]);
    expect(m.title).toBe(`[prm] CRITICAL: ${SLOT.summary}`);
    expect(m.alerts[0]!.severity).toBe('critical');
    // The escalation list is passed through as given.
    expect(m.escalations).toEqual([{ alertId: 'other', from: 'warning', to: 'critical' }]);
    // Without escalations, an "escalated" message carries none.
    expect(buildMessage('escalated', [SLOT], NOW)).not.toHaveProperty('escalations');
  });

  it('a grouped firing message lists every subject', () => {
    expect(buildMessage('fired', [SLOT, UNREACHABLE], NOW).title).toBe('[prm] 2 alerts firing: pub/sub_b, replica-b');
  });

  it('a test message is titled as such and flagged', () => {
    const m = buildMessage('fired', [SLOT], NOW, true);
    expect(m.title).toBe('[prm] test notification');
    expect(m.test).toBe(true);
    expect(buildMessage('fired', [SLOT], NOW)).not.toHaveProperty('test');
  });

  it('a title is cut at 250 characters (SNS subject / e-mail subject limits)', () => {
    const many = Array.from({ length: 40 }, (_, k) => ({
      ...SLOT,
      id: `a${k}`,
      subject: { ...SLOT.subject, name: `publisher-${k}/slot_${k}` },
    }));
    const m = buildMessage('fired', many, NOW);
    expect(m.title).toHaveLength(250);
    expect(m.title.startsWith('[prm] 40 alerts firing: publisher-0/slot_0, ')).toBe(true);
    expect(m.alerts).toHaveLength(40);
  });
});

describe('buildMessage: no credential leaves prm', () => {
  const leaky: AlertView = {
    ...UNREACHABLE,
    summary: 'Endpoint replica-b refused: password=hunter2 rejected',
    facts: [
      { label: 'conninfo', value: "host=10.0.0.2 user=repl password='s3 cr3t' dbname=app" },
      { label: 'uri', value: 'postgres://repl:hunter2@10.0.0.2/app' },
      { label: 'presigned', value: 'https://s3/x?X-Amz-Signature=abcd1234&X-Amz-Security-Token=tok' },
    ],
    remediation: [
      { text: 'Retry with password=hunter2', command: 'psql "postgres://repl:hunter2@10.0.0.2/app"' },
      { text: 'No command here' },
    ],
  };

  it('redacts title, summary, facts, remediation text and commands', () => {
    const m = buildMessage('fired', [leaky], NOW);
    const all = JSON.stringify(m);
    for (const secret of ['hunter2', 's3 cr3t', 'abcd1234', '=tok']) expect(all).not.toContain(secret);
    expect(m.title).toBe('[prm] WARNING: Endpoint replica-b refused: password=[redacted] rejected');
    expect(m.alerts[0]!.facts).toEqual([
      { label: 'conninfo', value: 'host=10.0.0.2 user=repl password=[redacted] dbname=app' },
      { label: 'uri', value: 'postgres://repl:[redacted]@10.0.0.2/app' },
      {
        label: 'presigned',
        value: 'https://s3/x?X-Amz-Signature=[redacted]&X-Amz-Security-Token=[redacted]',
      },
    ]);
    expect(m.alerts[0]!.remediation).toEqual([
      { text: 'Retry with password=[redacted]', command: 'psql "postgres://repl:[redacted]@10.0.0.2/app"' },
      { text: 'No command here' },
    ]);
    expect(renderText(m)).not.toContain('hunter2');
    expect(renderSlack(m).text).not.toContain('hunter2');
  });

  it('does not change the alerts it was given', () => {
    buildMessage('fired', [leaky], NOW);
    expect(leaky.facts[1]!.value).toContain('hunter2');
  });
});

describe('renderText', () => {
  it('numbers the remediation steps and indents commands under their step', () => {
    const text = renderText(buildMessage('fired', [SLOT], NOW));
    expect(text).toBe(
      [
        `[prm] CRITICAL: ${SLOT.summary}`,
        '',
        `CRITICAL slot-retention — ${SLOT.summary}`,
        '  since 2026-02-01T09:00:00.000Z',
        '  slot: sub_b',
        '  wal_status: extended',
        '  What to do:',
        '   1. Retained WAL stays on the publisher’s disk until the consumer confirms it',
        '   2. Drop it if abandoned',
        "      SELECT pg_drop_replication_slot('sub_b');",
        '',
      ].join('\n'),
    );
  });

  it('a resolved message shows when it resolved and no remediation', () => {
    const resolved = { ...SLOT, resolvedAt: '2026-02-01T09:58:00.000Z' };
    const text = renderText(buildMessage('resolved', [resolved], NOW));
    expect(text).toContain('RESOLVED slot-retention — ');
    expect(text).toContain('  since 2026-02-01T09:00:00.000Z, resolved 2026-02-01T09:58:00.000Z');
    expect(text).not.toContain('What to do');
    expect(text).not.toContain('pg_drop_replication_slot');
  });

  it('an alert without remediation has no empty "What to do" section', () => {
    const text = renderText(buildMessage('fired', [{ ...SLOT, remediation: [] }], NOW));
    expect(text).not.toContain('What to do');
  });

  it('a test message says the channel works', () => {
    const text = renderText(buildMessage('fired', [SLOT], NOW, true));
    expect(text.split('\n').slice(0, 3)).toEqual([
      '[prm] test notification',
      '',
      'This is a test notification from prm: the channel works.',
    ]);
  });

  it('in a grouped escalation, an alert without an escalation entry keeps its plain severity', () => {
    const m = buildMessage('escalated', [SLOT, UNREACHABLE], NOW, false, [
      { alertId: 'a2', from: 'info', to: 'warning' },
    ]);
    const text = renderText(m);
    expect(text).toContain(`CRITICAL slot-retention — ${SLOT.summary}`);
    expect(text).toContain(`ESCALATED to WARNING (was INFO) endpoint-unreachable — ${UNREACHABLE.summary}`);
  });
});

describe('renderSlack', () => {
  it('bold title, icon per severity, facts as bullets, commands in code blocks', () => {
    const { text } = renderSlack(buildMessage('fired', [SLOT, UNREACHABLE], NOW));
    expect(text.split('\n')).toEqual([
      '*[prm] 2 alerts firing: pub/sub_b, replica-b*',
      `:red_circle: *slot-retention* — ${SLOT.summary}`,
      '• slot: sub_b',
      '• wal_status: extended',
      '1. Retained WAL stays on the publisher’s disk until the consumer confirms it',
      '2. Drop it if abandoned',
      "```SELECT pg_drop_replication_slot('sub_b');```",
      `:warning: *endpoint-unreachable* — ${UNREACHABLE.summary}`,
      '• failed polls: 3',
      '1. Check that the server accepts connections',
      '```pg_isready -h 10.0.0.2 -p 5432 -d app```',
    ]);
  });

  it('resolved alerts get a check mark whatever their severity, and no remediation', () => {
    const { text } = renderSlack(buildMessage('resolved', [SLOT], NOW));
    expect(text).toContain(':white_check_mark: *slot-retention*');
    expect(text).not.toContain(':red_circle:');
    expect(text).not.toContain('```');
  });

  it('a test message says so in italics', () => {
    expect(renderSlack(buildMessage('fired', [SLOT], NOW, true)).text).toContain(
      '_Test notification from prm: the channel works._',
    );
  });

  it('an escalated message without entries shows no escalation phrase', () => {
    const { text } = renderSlack(buildMessage('escalated', [UNREACHABLE], NOW));
    expect(text).toContain(':warning: *endpoint-unreachable* — ');
    expect(text).not.toContain('ESCALATED');
  });
});
