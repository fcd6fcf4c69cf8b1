import type { AlertNotificationMessage, AlertSeverity, AlertView, NotificationEvent } from '@prm/contracts';
import { redact } from '../rules/format.js';

type Escalation = NonNullable<AlertNotificationMessage['escalations']>[number];

/** `ESCALATED to CRITICAL (was WARNING)`: how every channel announces an escalation. */
export function escalationPhrase(e: Pick<Escalation, 'from' | 'to'>): string {
  return `ESCALATED to ${e.to.toUpperCase()} (was ${e.from.toUpperCase()})`;
}

const VERB: Record<NotificationEvent, string> = { fired: 'firing', resolved: 'resolved', escalated: 'escalated' };

/**
 * Builds the grouped message of one evaluation's `event` for one channel. For `escalated`, `escalations` gives each
 * alert's previous and new severity: the alerts carry the new one, and the title says "ESCALATED to <severity>".
 */
export function buildMessage(
  event: NotificationEvent,
  alerts: AlertView[],
  now: Date,
  test = false,
  escalations?: Escalation[],
): AlertNotificationMessage {
  const to = new Map<string, AlertSeverity>((escalations ?? []).map((e) => [e.alertId, e.to]));
  const shown = alerts.map((a) => (to.has(a.id) ? { ...a, severity: to.get(a.id)! } : a));
  const first = shown[0];
  const firstEscalation = first && escalations?.find((e) => e.alertId === first.id);
  const title = test
    ? '[prm] test notification'
    : shown.length === 1 && first
      ? `[prm] ${
          event === 'resolved'
            ? 'RESOLVED'
            : event === 'escalated' && firstEscalation
              ? escalationPhrase(firstEscalation)
              : first.severity.toUpperCase()
        }: ${first.summary}`
      : `[prm] ${shown.length} alerts ${VERB[event]}: ${shown.map((a) => a.subject.name).join(', ')}`;
  return {
    version: 1,
    event,
    title: redact(title).slice(0, 250),
    alerts: shown.map(redactAlert),
    ...(event === 'escalated' && escalations ? { escalations } : {}),
    ...(test ? { test: true } : {}),
    sentAt: now.toISOString(),
  };
}

/** The headline of one alert in a message: `RESOLVED`, `CRITICAL`, or `ESCALATED to CRITICAL (was WARNING)`. */
function headline(m: AlertNotificationMessage, a: AlertView): string {
  if (m.event === 'resolved') return 'RESOLVED';
  const e = m.event === 'escalated' ? m.escalations?.find((x) => x.alertId === a.id) : undefined;
  return e ? escalationPhrase(e) : a.severity.toUpperCase();
}

function redactAlert(a: AlertView): AlertView {
  return {
    ...a,
    summary: redact(a.summary),
    facts: a.facts.map((f) => ({ label: f.label, value: redact(f.value) })),
    remediation: a.remediation.map((r) => ({
      ...r,
      text: redact(r.text),
      ...(r.command ? { command: redact(r.command) } : {}),
    })),
  };
}

/** Plain text of a message (e-mail, SNS): per alert its summary, facts and numbered remediation steps. */
export function renderText(m: AlertNotificationMessage): string {
  const lines = [m.title, ''];
  if (m.test) lines.push('This is a test notification from prm: the channel works.', '');
  for (const a of m.alerts) {
    lines.push(`${headline(m, a)} ${a.kind} — ${a.summary}`);
    lines.push(`  since ${a.firstSeenAt}${a.resolvedAt ? `, resolved ${a.resolvedAt}` : ''}`);
    for (const f of a.facts) lines.push(`  ${f.label}: ${f.value}`);
    if (m.event !== 'resolved' && a.remediation.length) {
      lines.push('  What to do:');
      a.remediation.forEach((r, i) => {
        lines.push(`   ${i + 1}. ${r.text}`);
        if (r.command) lines.push(`      ${r.command}`);
      });
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** Slack incoming-webhook body (mrkdwn text; commands in code spans). */
export function renderSlack(m: AlertNotificationMessage): { text: string } {
  const parts = [`*${m.title}*`];
  if (m.test) parts.push('_Test notification from prm: the channel works._');
  for (const a of m.alerts) {
    const icon =
      m.event === 'resolved' ? ':white_check_mark:' : a.severity === 'critical' ? ':red_circle:' : ':warning:';
    const escalation = m.event === 'escalated' ? m.escalations?.find((x) => x.alertId === a.id) : undefined;
    parts.push(`${icon} *${a.kind}*${escalation ? ` *${escalationPhrase(escalation)}*` : ''} — ${a.summary}`);
    parts.push(a.facts.map((f) => `• ${f.label}: ${f.value}`).join('\n'));
    if (m.event !== 'resolved' && a.remediation.length) {
      parts.push(
        a.remediation.map((r, i) => `${i + 1}. ${r.text}${r.command ? `\n\`\`\`${r.command}\`\`\`` : ''}`).join('\n'),
      );
    }
  }
  return { text: parts.join('\n') };
}
