import { CloudWatchLogReader, RdsLogReader } from '@prm/aws';
import type { DataSource } from 'typeorm';

import { FileLogReader } from './file-log.reader.js';
import { DefaultLogReaderFactory } from './log-reader.factory.js';
import { SqlStreamLookup } from './stream-lookup.js';

describe('DefaultLogReaderFactory', () => {
  it('builds the reader of each log source kind; none reads nothing', () => {
    const f = new DefaultLogReaderFactory({ awsEndpoint: 'http://127.0.0.1:1' });
    expect(f.create({ kind: 'file', path: '/x.json', format: 'jsonlog' })).toBeInstanceOf(FileLogReader);
    expect(f.create({ kind: 'rds', instanceId: 'db', region: 'eu-west-1' })).toBeInstanceOf(RdsLogReader);
    expect(f.create({ kind: 'cloudwatch', logGroup: '/g', region: 'eu-west-1' })).toBeInstanceOf(CloudWatchLogReader);
    expect(new DefaultLogReaderFactory().create({ kind: 'none' })).toBeNull();
  });
});

describe('SqlStreamLookup', () => {
  const failing = (code: string) =>
    ({
      query: () => Promise.reject(Object.assign(new Error(code), { driverError: { code } })),
    }) as unknown as DataSource;

  it('parameterizes the lookups and returns the first id or null', async () => {
    const calls: unknown[][] = [];
    const ds = {
      query: (sql: string, params: unknown[]) => {
        calls.push([sql.replace(/\s+/g, ' '), params]);
        return Promise.resolve(params[1] === 'known' ? [{ id: 'stream-1' }] : []);
      },
    } as unknown as DataSource;
    const lookup = new SqlStreamLookup(ds);
    await expect(lookup.findStreamId('ep', 'known')).resolves.toBe('stream-1');
    await expect(lookup.findStreamIdBySlot('ep', 'other')).resolves.toBeNull();
    expect(calls[1]).toEqual([
      'SELECT id FROM stream WHERE source_endpoint_id = $1 AND coalesce(slot_name, subscription_name) = $2 ORDER BY created_at LIMIT 1',
      ['ep', 'other'],
    ]);
  });

  it('returns null while the stream table does not exist, rethrows other errors', async () => {
    await expect(new SqlStreamLookup(failing('42P01')).findStreamId('ep', 's')).resolves.toBeNull();
    await expect(new SqlStreamLookup(failing('57P01')).findStreamId('ep', 's')).rejects.toThrow('57P01');
  });
});
