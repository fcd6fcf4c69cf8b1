/**
 * Shared helpers of the benchmarks (issue 9): machine description, statistics and the section writer of
 * docs/benchmarks.md (each script replaces its own `## <title>` section in place).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';

import { repoRoot } from '@prm/testing';

/** `os.cpus()` model × count and total memory, e.g. "2 × Intel Xeon @ 2.20GHz, 23.4 GiB". */
export function machineLine(): string {
  const c = cpus();
  return `${c.length} × ${c[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB`;
}

/** 1-minute load average, one decimal. */
export const load1 = (): string => loadavg()[0].toFixed(1);

/** The q-quantile (0..1, nearest rank) of `values`; NaN when empty. */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

export const median = (values: number[]): number => quantile(values, 0.5);

/** Milliseconds with sensible precision: `0.42 ms`, `12.3 ms`, `1 234 ms`. */
export function ms(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  return v < 10 ? `${v.toFixed(2)} ms` : v < 100 ? `${v.toFixed(1)} ms` : `${Math.round(v)} ms`;
}

/** Markdown table from a header row and body rows. */
export function table(header: string[], rows: (string | number)[][]): string[] {
  return [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ];
}

/** "met" or "missed by …" for a value that must stay below `target` (same unit, `unit` appended). */
export function verdictBelow(value: number, target: number, unit: string): string {
  return value < target
    ? `met (${fmt(value)} ${unit} < ${target} ${unit})`
    : `**missed** by ${fmt(value - target)} ${unit} (${fmt(value)} ${unit} vs < ${target} ${unit})`;
}

const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : v.toFixed(v < 10 ? 2 : 1));

/**
 * Replaces (or appends) the section starting with `heading` (e.g. `## Poll scale`) in docs/benchmarks.md, up to
 * the next `## ` heading; creates the file with its header when missing.
 * @returns the file written
 */
export async function writeSection(heading: string, lines: string[]): Promise<string> {
  const dir = join(repoRoot(), 'docs');
  const file = join(dir, 'benchmarks.md');
  await mkdir(dir, { recursive: true });
  const section = [heading, '', ...lines, ''].join('\n');
  let doc = existsSync(file)
    ? await readFile(file, 'utf8')
    : [
        '# prm benchmarks',
        '',
        `Machine: ${machineLine()}. Each section says when and how it was measured; \`make bench\` rewrites them.`,
        '',
      ].join('\n');
  const start = doc.indexOf(`${heading}\n`);
  if (start >= 0) {
    const next = doc.indexOf('\n## ', start + heading.length);
    doc = doc.slice(0, start) + section + (next >= 0 ? doc.slice(next + 1) : '');
  } else {
    doc = `${doc.trimEnd()}\n\n${section}`;
  }
  await writeFile(file, doc);
  return file;
}

/** `Measured <ISO date> on <machine> with \`<command>\` (load avg …).` */
export function measuredLine(command: string): string {
  return `Measured ${new Date().toISOString()} on ${machineLine()} with \`${command}\` (1-min load average ${load1()} at start).`;
}
