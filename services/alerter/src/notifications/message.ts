import type { AlertNotificationMessage, AlertView, NotificationEvent } from '@prm/contracts';
import { redact } from '../rules/format.js';

/** Builds the grouped message of one evaluation's `event` for one channel. */
export function buildMessage(
  event: NotificationEvent,
  alerts: AlertView[],
  now: Date,
  test = false,
): AlertNotificationMessage {
  const first = alerts[0];
  const title = test
    ? '[prm] test notification'
    : alerts.length === 1 && first
      ? `[prm] ${event === 'fired' ? first.severity.toUpperCase() : 'RESOLVED'}: ${first.summary}`
      : `[prm] ${alerts.length} alerts ${event === 'fired' ? 'firing' : 'resolved'}: ${alerts.map((a) => a.subject.name).join(', ')}`;
  return {
    version: 1,
    event,
    title: redact(title).slice(0, 250),
    alerts: alerts.map(redactAlert),
    ...(test ? { test: true } : {}),
    sentAt: now.toISOString(),
  };
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
    lines.push(`${m.event === 'resolved' ? 'RESOLVED' : a.severity.toUpperCase()} ${a.kind} — ${a.summary}`);
    lines.push(`  since ${a.firstSeenAt}${a.resolvedAt ? `, resolved ${a.resolvedAt}` : ''}`);
    for (const f of a.facts) lines.push(`  ${f.label}: ${f.value}`);
    if (m.event === 'fired' && a.remediation.length) {
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
    parts.push(`${icon} *${a.kind}* — ${a.summary}`);
    parts.push(a.facts.map((f) => `• ${f.label}: ${f.value}`).join('\n'));
    if (m.event === 'fired' && a.remediation.length) {
      parts.push(
        a.remediation.map((r, i) => `${i + 1}. ${r.text}${r.command ? `\n\`\`\`${r.command}\`\`\`` : ''}`).join('\n'),
      );
    }
  }
  return { text: parts.join('\n') };
}
