import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The console build's post-step, run for real on a small fake build: Angular preloads at most 10 initial chunks.
const script = fileURLToPath(new URL('./complete-modulepreload.mjs', import.meta.url));

function run(dir: string): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [script, dir], { timeout: 10_000 }, (e, out, err) =>
      resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out, err }),
    );
  });
}

describe('frontend/tools/complete-modulepreload.mjs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'prm-preload-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (files: Record<string, string>) => {
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  };

  it('preloads every chunk main imports statically (directly or through chunks), not lazy ones, once', async () => {
    write({
      'index.html':
        '<html><head></head><body><prm-root></prm-root><link rel="modulepreload" href="chunk-A.js">' +
        '<script src="polyfills-P.js" type="module"></script><script src="main-M.js" type="module"></script></body></html>',
      'polyfills-P.js': 'var z=1;',
      'main-M.js':
        'import{a as b}from"./chunk-A.js";import"./chunk-B.js";' +
        'const r=[{loadComponent:()=>import("./chunk-LAZY.js").then(m=>m.C)}];export{b};',
      'chunk-A.js': 'import{x}from"./chunk-CORE.js";export{x as a};',
      'chunk-B.js': 'export{y}from"./chunk-C.js";',
      'chunk-C.js': 'import{x}from"./chunk-CORE.js";export const y=x;',
      'chunk-CORE.js': 'export const x=1;',
      'chunk-LAZY.js': 'import"./chunk-ONLY-LAZY.js";export class C{}',
    });
    const first = await run(dir);
    expect(first.err).toBe('');
    expect(first.out).toContain('3 chunk(s) added');
    const html = readFileSync(join(dir, 'index.html'), 'utf8');
    const preloads = [...html.matchAll(/modulepreload" href="([^"]+)"/g)].map((m) => m[1]);
    expect(preloads).toEqual(['chunk-A.js', 'chunk-B.js', 'chunk-CORE.js', 'chunk-C.js']); // breadth first
    expect(html.indexOf('chunk-C.js')).toBeLessThan(html.indexOf('<script src="polyfills-P.js"'));
    // a second run changes nothing
    expect((await run(dir)).out).toContain('0 chunk(s) added');
    expect(readFileSync(join(dir, 'index.html'), 'utf8')).toBe(html);
  });

  it('fails with the reason when index.html has no module script or a chunk is missing', async () => {
    write({ 'index.html': '<html><body></body></html>' });
    expect(await run(dir)).toMatchObject({ code: 1, err: expect.stringContaining('no <script type="module">') });
    write({ 'index.html': '<script src="main-M.js" type="module"></script>', 'main-M.js': 'import"./chunk-X.js";' });
    expect(await run(dir)).toMatchObject({ code: 1, err: expect.stringContaining('chunk-X.js') });
  });
});
