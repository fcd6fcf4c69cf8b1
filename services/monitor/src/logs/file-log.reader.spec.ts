import { appendFile, mkdtemp, rename, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { FileLogReader, LogFileError } from './file-log.reader.js';

const json = (sec: number, message: string) =>
  `${JSON.stringify({ timestamp: `2026-11-29 15:25:${String(sec).padStart(2, '0')}.000 UTC`, pid: 1, error_severity: 'ERROR', message })}\n`;
const csv = (sec: number, message: string) =>
  `2026-11-29 15:25:${String(sec).padStart(2, '0')}.000 UTC,,,1,,s,1,,2026-11-29 15:25:00 UTC,,0,ERROR,XX000,"${message}",,,,,,,,,"","logical replication worker",,0\n`;

describe('FileLogReader (real files)', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'prm-filelog-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reads jsonlog incrementally, leaves a partial line, restarts at 0 after truncation or a new inode', async () => {
    const path = join(dir, 'postgresql.json');
    await writeFile(path, json(1, 'a') + json(2, 'b').slice(0, 20));
    const reader = new FileLogReader({ path, format: 'jsonlog' });
    const r1 = await reader.read(null);
    expect(r1.entries.map((e) => e.message)).toEqual(['a']);
    expect(r1.cursor.offset).toBe(json(1, 'a').length);
    await appendFile(path, json(2, 'b').slice(20) + json(3, 'c'));
    const r2 = await reader.read(r1.cursor);
    expect(r2.entries.map((e) => e.message)).toEqual(['b', 'c']);
    expect((await reader.read(r2.cursor)).entries).toEqual([]);

    await truncate(path, 0);
    await appendFile(path, json(4, 'd'));
    const r3 = await reader.read(r2.cursor);
    expect(r3.entries.map((e) => e.message)).toEqual(['d']);

    await rename(path, `${path}.1`);
    await writeFile(path, json(5, 'e') + json(6, 'f') + json(7, 'g'));
    const r4 = await reader.read(r3.cursor); // new inode, larger than before: still read from 0
    expect(r4.cursor.ino).not.toBe(r3.cursor.ino);
    expect(r4.entries.map((e) => e.message)).toEqual(['e', 'f', 'g']);
  });

  it('bounds bytes per read (more = true) and skips a record longer than the whole read', async () => {
    const path = join(dir, 'bounded.json');
    await writeFile(path, json(1, 'a') + json(2, 'x'.repeat(200)) + json(3, 'c'));
    const reader = new FileLogReader({ path, format: 'jsonlog', maxBytesPerRead: 120 });
    const r1 = await reader.read(null);
    expect(r1).toMatchObject({ more: true });
    expect(r1.entries.map((e) => e.message)).toEqual(['a']);
    const r2 = await reader.read(r1.cursor); // the 200-byte line never fits: skipped
    expect(r2.entries).toEqual([]);
    let cursor = r2.cursor;
    const seen: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await reader.read(cursor);
      seen.push(...r.entries.map((e) => e.message));
      cursor = r.cursor;
    }
    expect(seen).toContain('c');
  });

  it('starts a large file near its end on the first read, at a record boundary (csvlog)', async () => {
    const path = join(dir, 'big.csv');
    const lines = Array.from({ length: 50 }, (_, i) => csv(i % 60, `m${i}, "quoted"`.replace(/"/g, '""')));
    await writeFile(path, lines.join(''));
    const reader = new FileLogReader({ path, format: 'csvlog', initialBacklogBytes: lines[0].length * 3 + 10 });
    const r = await reader.read(null);
    expect(r.entries.map((e) => e.message)).toEqual(['m47, "quoted"', 'm48, "quoted"', 'm49, "quoted"']);
  });

  it('names the path and errno of a missing file', async () => {
    const reader = new FileLogReader({ path: join(dir, 'missing.json'), format: 'jsonlog' });
    const err = await reader.read(null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogFileError);
    expect((err as LogFileError).message).toBe(`cannot read log file ${join(dir, 'missing.json')}: ENOENT`);
  });
});
