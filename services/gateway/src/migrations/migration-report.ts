import type { MigrationRunView } from '@prm/contracts';

const cell = (v: string | number | null | undefined): string =>
  v === null || v === undefined || v === '' ? '-' : String(v).replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** The Markdown report of a run: summary, per-target table, errors with SQLSTATE and line, warnings, the script. */
export function migrationReportMarkdown(run: MigrationRunView): string {
  const lines = [
    `# Migration report: ${run.name}`,
    '',
    `- Run: \`${run.id}\``,
    `- Status: **${run.status}**${run.dryRun ? ' (dry run: rolled back on every target)' : ''}`,
    `- Submitted by: ${run.actor} at ${run.createdAt}`,
    `- Started: ${run.startedAt ?? '-'}; finished: ${run.finishedAt ?? '-'}`,
    `- Checksum (sha256): \`${run.checksum}\``,
    `- Mode: ${
      run.nonTransactional
        ? 'statement by statement outside a transaction (non-transactional statements)'
        : 'one transaction per target'
    }`,
    `- lock_timeout ${run.lockTimeoutMs} ms, statement_timeout ${run.statementTimeoutMs} ms`,
    '',
    '| # | Endpoint | Status | Started | Finished | Duration (ms) | Statements | Note |',
    '| - | - | - | - | - | - | - | - |',
    ...run.steps.map(
      (s) =>
        `| ${s.position} | ${cell(s.endpointName)} | ${s.status} | ${cell(s.startedAt)} | ${cell(s.finishedAt)} | ` +
        `${cell(s.durationMs)} | ${s.statementsRun}/${s.statementsTotal} | ${cell(s.note)} |`,
    ),
    '',
  ];
  for (const s of run.steps.filter((x) => x.error)) {
    const e = s.error!;
    lines.push(
      `## Error on ${s.endpointName}`,
      '',
      `- SQLSTATE: ${e.sqlstate ?? '-'}`,
      `- Message: ${e.message}`,
      `- Detail: ${e.detail ?? '-'}`,
      `- Hint: ${e.hint ?? '-'}`,
      `- Line: ${e.line ?? '-'}${e.position ? ` (position ${e.position} in the statement)` : ''}`,
      '',
      '```sql',
      e.statement ?? '',
      '```',
      '',
    );
  }
  if (run.warnings.length > 0) {
    lines.push('## Warnings', '', ...run.warnings.map((w) => `- ${w.code}: ${w.message}`), '');
  }
  lines.push('## Script', '', '```sql', run.sql, '```', '');
  return lines.join('\n');
}
