import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedRoot: string | undefined;

/**
 * Absolute path of the prm repository root: the nearest ancestor of this module (source or compiled copy in
 * `dist/`) holding a `package.json` whose `name` is `prm`. Falls back to `process.cwd()` when none is found.
 */
export function repoRoot(): string {
  if (cachedRoot) return cachedRoot;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const { name } = JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string };
        if (name === 'prm') return (cachedRoot = dir);
      } catch {
        // not JSON: keep walking up
      }
    }
    const parent = dirname(dir);
    if (parent === dir) return (cachedRoot = resolve(process.cwd()));
    dir = parent;
  }
}

/** `<repo>/.tmp/clusters`: where test clusters keep their data directories (removed by the jest global setup). */
export function testClustersDir(): string {
  return join(repoRoot(), '.tmp', 'clusters');
}
