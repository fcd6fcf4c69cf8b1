/**
 * The real RDS and CloudWatch Logs SDK clients against the protocol-level AWS fake (RDS: AWS Query protocol with XML
 * responses; CloudWatch Logs: AWS JSON 1.1), through prm's log readers.
 */
import { startAwsFake, type AwsFake } from '@prm/testing';

import { CloudWatchLogReader, cloudWatchLogsClientFactory } from './cloudwatch-log.reader.js';
import { LogSourceError } from './aws-log-errors.js';
import { RdsLogReader, rdsClientFactory } from './rds-log.reader.js';

const credentials = { accessKeyId: 'AKIDFAKE', secretAccessKey: 'fake-secret-key' };
const NOW = Date.parse('2026-11-29T15:30:00Z');
const line = (s: number, pid: number, rest: string) =>
  `2026-11-29 15:25:${String(s).padStart(2, '0')} UTC::@:[${pid}]:${rest}\n`;
const STARTED = line(14, 10541, 'LOG:  logical replication apply worker for subscription "s15" has started');
const DUP = [
  line(17, 10541, 'ERROR:  duplicate key value violates unique constraint "t2_pkey"'),
  line(17, 10541, 'DETAIL:  Key (id)=(5000) already exists.'),
  line(
    17,
    10541,
    'CONTEXT:  processing remote data for replication origin "pg_16396" during message type "INSERT" for replication target relation "public.t2" in transaction 740, finished at 0/14E0EB0',
  ),
].join('');

async function failure(p: Promise<unknown>): Promise<LogSourceError> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(LogSourceError);
  return err as LogSourceError;
}

describe('RDS and CloudWatch log readers with the real SDK clients against the AWS fake', () => {
  let fake: AwsFake;
  let rdsClient: ReturnType<ReturnType<typeof rdsClientFactory>>;
  let cwClient: ReturnType<ReturnType<typeof cloudWatchLogsClientFactory>>;

  beforeAll(async () => {
    fake = await startAwsFake();
    rdsClient = rdsClientFactory({ endpoint: fake.endpoint, credentials, maxAttempts: 1 })('eu-west-1');
    cwClient = cloudWatchLogsClientFactory({ endpoint: fake.endpoint, credentials, maxAttempts: 1 })('eu-west-1');
  });
  afterAll(async () => {
    rdsClient?.destroy();
    cwClient?.destroy();
    await fake?.stop();
  });

  it('RDS: lists files, downloads portions by marker, holds an entry split across portions, resumes', async () => {
    const files = new Map([
      ['error/postgresql.log.2026-11-29-14', { data: line(1, 1, 'LOG:  old'), lastWritten: NOW - 3_600_000 }],
      ['error/postgresql.log.2026-11-29-15', { data: STARTED + DUP, lastWritten: NOW - 1000 }],
      ['error/other.log', { data: 'x\n', lastWritten: NOW }],
    ]);
    fake.rdsLogs.set('orders-db', files);
    fake.rdsPortionBytes = STARTED.length + 80; // the ERROR line fits, its DETAIL does not
    const reader = new RdsLogReader({
      client: rdsClient,
      instanceId: 'orders-db',
      region: 'eu-west-1',
      now: () => NOW,
    });
    fake.requests.length = 0;
    const first = await reader.read(null);
    expect(fake.requests[0]).toMatchObject({
      target: 'rds.DescribeDBLogFiles',
      region: 'eu-west-1',
      contentType: expect.stringContaining('application/x-www-form-urlencoded'),
      body: { Action: 'DescribeDBLogFiles', DBInstanceIdentifier: 'orders-db', FileLastWritten: String(NOW - 900_000) },
    });
    expect(fake.requests.slice(1).map((r) => (r.body as Record<string, string>).Marker)).toEqual(
      expect.arrayContaining(['0', String(STARTED.length)]),
    );
    const errors = first.entries.filter((e) => e.severity === 'ERROR');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      at: '2026-11-29T15:25:17.000Z',
      detail: 'Key (id)=(5000) already exists.',
      context: expect.stringContaining('finished at 0/14E0EB0'),
    });
    expect(first.entries.map((e) => e.message)).not.toContain('old'); // older than the 15 min lookback
    expect(first.more).toBe(false);

    const again = await reader.read(first.cursor);
    expect(again.entries).toEqual([]);
    files.get('error/postgresql.log.2026-11-29-15')!.data += line(
      20,
      10541,
      'LOG:  subscription "s15" has been disabled because of an error',
    );
    files.get('error/postgresql.log.2026-11-29-15')!.lastWritten = NOW + 5000;
    const third = await reader.read(again.cursor);
    expect(third.entries.map((e) => e.message)).toEqual(['subscription "s15" has been disabled because of an error']);
    fake.rdsPortionBytes = 1024 * 1024;
  });

  it('RDS: reads only the csvlog twins when log_destination includes csvlog', async () => {
    const csv =
      '2026-11-29 15:25:17.589 UTC,,,10541,,6b0c43da.292d,2,,2026-11-29 15:25:14 UTC,3/0,0,ERROR,23505,"duplicate key value violates unique constraint ""t2_pkey""","Key (id)=(5000) already exists.",,,,"ctx",,,,"","logical replication worker",,0\n';
    fake.rdsLogs.set(
      'csv-db',
      new Map([
        ['error/postgresql.log.2026-11-29-15', { data: DUP, lastWritten: NOW }],
        ['error/postgresql.log.2026-11-29-15.csv', { data: csv, lastWritten: NOW }],
      ]),
    );
    const reader = new RdsLogReader({ client: rdsClient, instanceId: 'csv-db', region: 'eu-west-1', now: () => NOW });
    const { entries } = await reader.read(null);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      sqlstate: '23505',
      at: '2026-11-29T15:25:17.589Z',
      backendType: 'logical replication worker',
    });
  });

  it('RDS: a denied DownloadDBLogFilePortion names the action and the instance ARN; unknown instance', async () => {
    fake.deny('rds:DownloadDBLogFilePortion', 'arn:aws:rds:eu-west-1:111122223333:db:orders-db');
    const reader = new RdsLogReader({
      client: rdsClient,
      instanceId: 'orders-db',
      region: 'eu-west-1',
      now: () => NOW,
    });
    const denied = await failure(reader.read(null));
    expect(denied.pgCause).toMatchObject({
      code: 'aws-access-denied',
      iamAction: 'rds:DownloadDBLogFilePortion',
      iamResource: 'arn:aws:rds:eu-west-1:111122223333:db:orders-db',
    });
    expect(denied.pgCause.remedy).toContain('"Action":"rds:DownloadDBLogFilePortion"');
    const missing = await failure(
      new RdsLogReader({ client: rdsClient, instanceId: 'nope', region: 'eu-west-1' }).read(null),
    );
    expect(missing.pgCause.message).toContain('DB instance not found');
  });

  it('CloudWatch: FilterLogEvents from the last timestamp, paging with nextToken, no duplicates', async () => {
    const t0 = NOW - 60_000;
    const events = [
      ...STARTED.split('\n')
        .filter(Boolean)
        .map((message) => ({ message, timestamp: t0 })),
      ...DUP.split('\n')
        .filter(Boolean)
        .map((message) => ({ message, timestamp: t0 + 1000 })),
    ];
    fake.logEvents.set('/aws/rds/instance/orders-db/postgresql', events);
    fake.logEventsPageSize = 2;
    const reader = new CloudWatchLogReader({
      client: cwClient,
      logGroup: '/aws/rds/instance/orders-db/postgresql',
      region: 'eu-west-1',
      maxPagesPerRead: 1,
      now: () => NOW,
    });
    fake.requests.length = 0;
    const r1 = await reader.read(null);
    expect(fake.requests[0]).toMatchObject({
      target: 'Logs_20140328.FilterLogEvents',
      contentType: 'application/x-amz-json-1.1',
      body: { logGroupName: '/aws/rds/instance/orders-db/postgresql', startTime: NOW - 900_000 },
    });
    expect(r1.more).toBe(true);
    expect(r1.cursor.nextToken).toBe('2');
    const r2 = await reader.read(r1.cursor);
    expect(r2.more).toBe(false);
    expect(r2.cursor).toMatchObject({ startTime: t0 + 1000 });
    const all = [...r1.entries, ...r2.entries];
    // the ERROR was held back while pages were pending, so its DETAIL and CONTEXT from the next page reach it
    expect(r1.entries.map((e) => e.severity)).toEqual(['LOG']);
    expect(all.map((e) => [e.severity, e.detail])).toEqual([
      ['LOG', null],
      ['ERROR', 'Key (id)=(5000) already exists.'],
    ]);
    const r3 = await reader.read(r2.cursor);
    expect(r3.entries).toEqual([]);
    fake.logEvents
      .get('/aws/rds/instance/orders-db/postgresql')!
      .push({ message: DUP.replace(/\n$/, ''), timestamp: t0 + 1000 });
    const r4 = await reader.read(r3.cursor);
    expect(r4.entries).toHaveLength(1);
    expect(r4.entries[0]).toMatchObject({ severity: 'ERROR', detail: 'Key (id)=(5000) already exists.' });
  });

  it('CloudWatch: a missing log group and a denied FilterLogEvents are classified', async () => {
    const reader = new CloudWatchLogReader({ client: cwClient, logGroup: '/nope', region: 'eu-west-1' });
    expect((await failure(reader.read(null))).pgCause.message).toContain('log group not found');
    fake.deny('logs:FilterLogEvents', '*');
    const denied = await failure(
      new CloudWatchLogReader({
        client: cwClient,
        logGroup: '/aws/rds/instance/orders-db/postgresql',
        region: 'eu-west-1',
      }).read(null),
    );
    expect(denied.pgCause).toMatchObject({ code: 'aws-access-denied', iamAction: 'logs:FilterLogEvents' });
  });
});
