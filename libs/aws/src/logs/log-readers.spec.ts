import { CloudWatchLogsClient, FilterLogEventsCommand } from '@aws-sdk/client-cloudwatch-logs';
import { DescribeDBLogFilesCommand, DownloadDBLogFilePortionCommand, RDSClient } from '@aws-sdk/client-rds';
import { mockClient } from 'aws-sdk-client-mock';

import { classifyAwsLogError, LogSourceError } from './aws-log-errors.js';
import { CloudWatchLogReader } from './cloudwatch-log.reader.js';
import { RdsLogReader } from './rds-log.reader.js';

const NOW = Date.parse('2026-11-29T16:00:00Z');
const ERR = '2026-11-29 15:25:17 UTC::@:[7]:ERROR:  could not receive data from WAL stream: boom\n';

describe('RdsLogReader (aws-sdk-client-mock)', () => {
  const rds = mockClient(RDSClient);
  beforeEach(() => rds.reset());

  it('paginates DescribeDBLogFiles, continues a pending file at its marker and keeps only files still listed', async () => {
    rds
      .on(DescribeDBLogFilesCommand, { Marker: undefined })
      .resolves({
        DescribeDBLogFiles: [{ LogFileName: 'error/postgresql.log.2026-11-29-15', LastWritten: NOW - 10, Size: 9 }],
        Marker: 'p2',
      })
      .on(DescribeDBLogFilesCommand, { Marker: 'p2' })
      .resolves({ DescribeDBLogFiles: [{ LogFileName: 'error/trace.log', LastWritten: NOW }, {}] });
    rds
      .on(DownloadDBLogFilePortionCommand, { Marker: '0' })
      .resolves({ LogFileData: ERR, Marker: '1:100', AdditionalDataPending: true });
    const reader = new RdsLogReader({
      client: rds as unknown as RDSClient,
      instanceId: 'db',
      region: 'eu-west-1',
      maxCallsPerRead: 1,
      now: () => NOW,
    });
    const r1 = await reader.read({
      since: NOW - 60_000,
      files: { 'error/postgresql.log.old': { marker: '9', lastWritten: 1 } },
    });
    expect(r1.more).toBe(true);
    expect(r1.entries).toEqual([]); // held: its DETAIL may follow in the next portion
    expect(r1.cursor.files['error/postgresql.log.2026-11-29-15']).toMatchObject({
      marker: '1:100',
      carry: ERR,
      complete: false,
    });
    expect(r1.cursor.files['error/postgresql.log.old']).toBeUndefined();
    expect(r1.cursor.since).toBe(NOW - 10);
    rds.on(DownloadDBLogFilePortionCommand, { Marker: '1:100' }).resolves({ AdditionalDataPending: false });
    const r2 = await reader.read(r1.cursor);
    expect(r2.entries.map((e) => e.message)).toEqual(['could not receive data from WAL stream: boom']);
    expect(r2).toMatchObject({ more: false, cursor: { since: NOW - 10 } });
    expect(rds.commandCalls(DownloadDBLogFilePortionCommand)[1].args[0].input).toEqual({
      DBInstanceIdentifier: 'db',
      LogFileName: 'error/postgresql.log.2026-11-29-15',
      Marker: '1:100',
    });
  });

  it('maps a throttled call to aws-error naming the action and instance', async () => {
    rds.on(DescribeDBLogFilesCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
    const err = await new RdsLogReader({ client: rds as unknown as RDSClient, instanceId: 'db', region: 'eu-west-1' })
      .read(null)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LogSourceError);
    expect((err as LogSourceError).pgCause.message).toBe(
      'rds:DescribeDBLogFiles on arn:aws:rds:eu-west-1:*:db:db failed: Throttling: Rate exceeded',
    );
  });
});

describe('CloudWatchLogReader (aws-sdk-client-mock)', () => {
  const logs = mockClient(CloudWatchLogsClient);
  beforeEach(() => logs.reset());

  it('starts at now - lookback, drops events already seen at the start time, advances to the newest event', async () => {
    logs.on(FilterLogEventsCommand).resolves({
      events: [
        { eventId: 'a', timestamp: NOW - 5000, message: ERR },
        { eventId: 'b', timestamp: NOW - 1000, message: ERR.replace('boom', 'bang') },
        { eventId: 'c', timestamp: NOW - 1000, message: undefined },
      ],
    });
    const reader = new CloudWatchLogReader({
      client: logs as unknown as CloudWatchLogsClient,
      logGroup: '/aws/rds/instance/db/postgresql',
      region: 'eu-west-1',
      initialLookbackMs: 60_000,
      now: () => NOW,
    });
    const r1 = await reader.read(null);
    expect(logs.commandCalls(FilterLogEventsCommand)[0].args[0].input).toEqual({
      logGroupName: '/aws/rds/instance/db/postgresql',
      startTime: NOW - 60_000,
      nextToken: undefined,
    });
    expect(r1.entries.map((e) => e.message)).toEqual([
      'could not receive data from WAL stream: boom',
      'could not receive data from WAL stream: bang',
    ]);
    expect(r1.cursor).toEqual({ startTime: NOW - 1000, seenIds: ['b', 'c'] });
    const r2 = await reader.read(r1.cursor);
    expect(r2.entries.map((e) => e.message)).toEqual(['could not receive data from WAL stream: boom']); // 'a' is new
  });
});

describe('classifyAwsLogError', () => {
  it('names missing log files; passes other errors to classifyAwsError', () => {
    const ctx = { action: 'rds:DownloadDBLogFilePortion', resource: 'arn:aws:rds:eu-west-1:*:db:db' };
    expect(
      classifyAwsLogError(Object.assign(new Error('gone'), { name: 'DBLogFileNotFoundFault' }), ctx).remedy,
    ).toContain('rotated out');
    expect(classifyAwsLogError('weird', ctx)).toMatchObject({ code: 'aws-error' });
  });
});
