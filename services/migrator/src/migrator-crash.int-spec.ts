import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { QueueName } from '@prm/contracts';
import { parseRedisUrl } from '@prm/messaging';
import {
  EndpointRepository,
  EndpointStatusRepository,
  MigrationRunRepository,
  openMetadataStore,
} from '@prm/persistence';
import {
  type PgCluster,
  type TestDatabase,
  createTestDatabase,
  expectEventually,
  flushRedisPrefix,
  freePort,
  startCluster,
  testRedisUrl,
} from '@prm/testing';
import { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { MigrationSubmitService } from './plan/migration-submit.service.js';

const run = promisify(execFile);
const ROOT = process.cwd();
const OUT = resolve(ROOT, '.tmp/migrator-child');

/**
 * Compiles the migrator's entry point (and what it imports) to `.tmp/migrator-child` with tsc + tsc-alias, so the
 * test can run it as a real process. Type errors elsewhere in the tree do not block the emit.
 */
async function buildMigrator(): Promise<string> {
  mkdirSync(resolve(ROOT, '.tmp'), { recursive: true });
  const tsconfig = resolve(ROOT, '.tmp/tsconfig.migrator-child.json');
  writeFileSync(
    tsconfig,
    JSON.stringify({
      extends: '../tsconfig.json',
      compilerOptions: {
        types: ['node'],
        incremental: false,
        outDir: './migrator-child',
        rootDir: '..',
        noEmitOnError: false,
        sourceMap: false,
      },
      include: [],
      files: ['../services/migrator/src/main.ts'],
    }),
  );
  const tsc = resolve(ROOT, 'node_modules/typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', tsconfig]).catch(() => undefined); // emits despite type errors elsewhere
  await run(process.execPath, [resolve(ROOT, 'node_modules/tsc-alias/dist/bin/index.js'), '-p', tsconfig]);
  return resolve(OUT, 'services/migrator/src/main.js');
}

// SIGKILL the migrator process while target 2 of 3 runs, start it again: the run resumes at target 2 and target 1
// is not applied twice (prm.migration_history and the catalog show it once).
describe('migrator crash and resume (real process, PostgreSQL 17, Redis)', () => {
  let cluster: PgCluster;
  let db: TestDatabase;
  let ds: DataSource;
  let queue: Queue;
  let main: string;
  let child: ChildProcess | null = null;
  let output = '';
  const prefix = `prmtest_migcrash_${process.pid}_${randomBytes(3).toString('hex')}`;
  const passwordEnv = `PRM_TEST_PW_${randomBytes(3).toString('hex').toUpperCase()}`;
  const dbs = ['app_r1', 'app_r2', 'app_r3'];

  const startMigrator = async (): Promise<ChildProcess> => {
    const p = spawn(process.execPath, [main], {
      env: {
        PATH: process.env.PATH,
        PRM_DATABASE_URL: db.url,
        REDIS_URL: testRedisUrl(),
        PRM_REDIS_PREFIX: prefix,
        PRM_PORT: String(await freePort()),
        PRM_MIGRATION_JOB_LOCK_MS: '3000',
        LOG_LEVEL: 'info',
        [passwordEnv]: cluster.password,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    p.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    p.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    return p;
  };

  beforeAll(async () => {
    const [built, c, d] = await Promise.all([
      buildMigrator(),
      startCluster({ engine: 'pg17', name: 'migcrash' }),
      createTestDatabase('prm_test_migcrash'),
    ]);
    main = built;
    cluster = c;
    db = d;
    for (const name of dbs) {
      await cluster.createDatabase(name);
      await cluster.query('CREATE TABLE orders (id int PRIMARY KEY)', [], name);
    }
    ds = await openMetadataStore(db.url);
    for (const [i, name] of dbs.entries()) {
      await ds.query(
        `INSERT INTO endpoint (name, host, port, dbname, sslmode, cloud, role, credential)
         VALUES ($1, '127.0.0.1', $2, $3, 'disable', 'other', 'replica', $4::jsonb)`,
        [`replica-${i + 1}`, cluster.port, name, JSON.stringify({ kind: 'env', user: 'postgres', passwordEnv })],
      );
    }
    queue = new Queue(QueueName.Migrations, {
      connection: { ...parseRedisUrl(testRedisUrl()), maxRetriesPerRequest: null },
      prefix,
    });
  }, 240_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    await queue?.close();
    await ds?.destroy();
    await cluster?.destroy();
    await db?.drop();
    await flushRedisPrefix(prefix);
  });

  it('resumes at target 2 after SIGKILL without applying target 1 twice', async () => {
    const runs = new MigrationRunRepository(ds);
    const submitter = new MigrationSubmitService(
      new EndpointRepository(ds),
      new EndpointStatusRepository(ds),
      runs,
      queue,
    );
    const sql =
      "SELECT pg_sleep(CASE WHEN current_database() = 'app_r2' THEN 5 ELSE 0 END);\n" +
      'ALTER TABLE orders ADD COLUMN crash_safe int;\n';
    const submitted = await submitter.submit({ name: 'crash test', sql });
    child = await startMigrator();

    // Target 1 done, target 2 running (in its pg_sleep): kill the migrator.
    const before = await expectEventually(
      async () => {
        const r = (await runs.findById(submitted.id))!;
        expect(r.steps.map((s) => s.status)).toEqual(['succeeded', 'running', 'pending']);
        return r;
      },
      { timeoutMs: 60_000, intervalMs: 100, message: `migrator output:\n${output}` },
    );
    child.kill('SIGKILL');
    await new Promise((r) => child!.once('exit', r));
    const step1StartedAt = before.steps[0].startedAt;

    child = await startMigrator();
    const after = await expectEventually(
      async () => {
        const r = (await runs.findById(submitted.id))!;
        expect(r.status).toBe('succeeded');
        return r;
      },
      { timeoutMs: 60_000, intervalMs: 200, message: `migrator output:\n${output}` },
    );
    console.log(
      'acceptance 4:',
      after.steps.map((s) => `${s.position} ${s.endpointName} ${s.status} (${s.note ?? ''})`),
    );
    expect(after.steps.map((s) => s.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(after.steps[0].startedAt).toBe(step1StartedAt); // target 1 was not run again
    expect(after.steps[1].note).toContain('resumed after a restart');
    for (const name of dbs) {
      const history = await cluster.query<{ run_id: string }>(
        'SELECT run_id::text FROM prm.migration_history WHERE checksum = $1',
        [submitted.checksum],
        name,
      );
      expect(history).toEqual([{ run_id: submitted.id }]);
      const cols = await cluster.query<{ n: number }>(
        `SELECT count(*)::int AS n FROM pg_attribute WHERE attrelid = 'orders'::regclass AND attname = 'crash_safe'`,
        [],
        name,
      );
      expect(cols).toEqual([{ n: 1 }]);
    }
  }, 180_000);
});
