import { type CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { type RDSClient } from '@aws-sdk/client-rds';
import { CloudWatchLogReader, cloudWatchLogsClientFactory, RdsLogReader, rdsClientFactory } from '@prm/aws';
import { type LogSourceRef } from '@prm/contracts';
import { type LogReader } from '@prm/pg';

import { FileLogReader } from './file-log.reader.js';

/** Settings of the log readers (the host validates env once; `PRM_AWS_ENDPOINT` → `awsEndpoint`). */
export interface LogReaderSettings {
  /** AWS endpoint override for the RDS and CloudWatch Logs clients (VPC endpoint, tests). */
  awsEndpoint?: string;
  /** Bytes read per ingestion from a file at most; default 4 MiB. */
  fileMaxBytesPerRead?: number;
  /** Bytes downloaded per ingestion from RDS / CloudWatch at most; default 1 MiB. */
  awsMaxBytesPerRead?: number;
  /** First read of an RDS / CloudWatch source goes back this far, ms; default 15 min. */
  initialLookbackMs?: number;
}

/** Builds the reader of an endpoint's log source; null for `none`. */
export interface LogReaderFactory {
  create(source: LogSourceRef): LogReader<unknown> | null;
}

/** Injection token of {@link LogReaderFactory}. */
export const LOG_READER_FACTORY = Symbol('LOG_READER_FACTORY');

/** {@link LogReaderFactory} with SDK clients memoized per region (credentials: the default AWS chain). */
export class DefaultLogReaderFactory implements LogReaderFactory {
  private readonly rds: (region: string) => RDSClient;
  private readonly logs: (region: string) => CloudWatchLogsClient;

  constructor(private readonly settings: LogReaderSettings = {}) {
    const overrides = settings.awsEndpoint ? { endpoint: settings.awsEndpoint } : {};
    this.rds = rdsClientFactory(overrides);
    this.logs = cloudWatchLogsClientFactory(overrides);
  }

  create(source: LogSourceRef): LogReader<unknown> | null {
    const s = this.settings;
    switch (source.kind) {
      case 'file':
        return new FileLogReader({ path: source.path, format: source.format, maxBytesPerRead: s.fileMaxBytesPerRead });
      case 'rds':
        return new RdsLogReader({
          client: this.rds(source.region),
          instanceId: source.instanceId,
          region: source.region,
          maxBytesPerRead: s.awsMaxBytesPerRead,
          initialLookbackMs: s.initialLookbackMs,
        });
      case 'cloudwatch':
        return new CloudWatchLogReader({
          client: this.logs(source.region),
          logGroup: source.logGroup,
          region: source.region,
          maxBytesPerRead: s.awsMaxBytesPerRead,
          initialLookbackMs: s.initialLookbackMs,
        });
      case 'none':
        return null;
    }
  }
}
