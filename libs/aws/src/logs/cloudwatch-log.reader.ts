import { CloudWatchLogsClient, FilterLogEventsCommand, type FilteredLogEvent } from '@aws-sdk/client-cloudwatch-logs';
import { type LogReader, type LogReadResult, parseStderrText } from '@prm/pg';

import { classifyAwsLogError, logGroupArn, LogSourceError } from './aws-log-errors.js';

/** Where a CloudWatch Logs read stopped. */
export interface CloudWatchLogCursor {
  /** `FilterLogEvents.startTime` of the next read, ms since epoch (the newest event time seen). */
  startTime: number;
  /** Ids of the events at `startTime` already returned (startTime is inclusive). */
  seenIds: string[];
  /** Set while a paginated query is not finished: continue it with the same `startTime`. */
  nextToken?: string;
  /** While paginating: the newest event time so far and the ids of the events at that time. */
  newest?: number;
  newestIds?: string[];
  /** Lines of the last entry, held while more pages were pending (its DETAIL may be on the next page). */
  carry?: string;
}

/** Options of {@link CloudWatchLogReader}. */
export interface CloudWatchLogReaderOptions {
  client: CloudWatchLogsClient;
  /** E.g. `/aws/rds/instance/<id>/postgresql` (RDS log export). */
  logGroup: string;
  region: string;
  /** `FilterLogEvents` pages per read at most; default 5. */
  maxPagesPerRead?: number;
  /** Bytes of event messages per read at most (checked after each page); default 1 MiB. */
  maxBytesPerRead?: number;
  /** On the first read, events of the last this-many ms; default 15 min. */
  initialLookbackMs?: number;
  now?: () => number;
}

/**
 * Reads an RDS PostgreSQL log exported to CloudWatch Logs with `FilterLogEvents` (startTime + nextToken; CloudWatch
 * Logs API reference). Messages are stderr lines with the RDS prefix `%t:%r:%u@%d:[%p]:`; entries carry the server
 * time from that prefix, not the ingestion time. Errors are thrown as {@link LogSourceError} (`logs:FilterLogEvents`
 * and the log group ARN when denied).
 */
export class CloudWatchLogReader implements LogReader<CloudWatchLogCursor> {
  constructor(private readonly opts: CloudWatchLogReaderOptions) {}

  async read(cursor: CloudWatchLogCursor | null): Promise<LogReadResult<CloudWatchLogCursor>> {
    const now = this.opts.now ?? Date.now;
    const startTime = cursor?.startTime ?? now() - (this.opts.initialLookbackMs ?? 15 * 60_000);
    const seen = new Set(cursor?.seenIds ?? []);
    const maxPages = this.opts.maxPagesPerRead ?? 5;
    const maxBytes = this.opts.maxBytesPerRead ?? 1024 * 1024;
    let token = cursor?.nextToken;
    const events: FilteredLogEvent[] = [];
    let bytesRead = 0;
    let pages = 0;
    do {
      const res = await this.filter(startTime, token);
      pages++;
      for (const e of res.events ?? []) {
        bytesRead += Buffer.byteLength(e.message ?? '');
        if (!(e.eventId && seen.has(e.eventId))) events.push(e);
      }
      token = res.nextToken;
    } while (token && pages < maxPages && bytesRead < maxBytes);
    // stable sort by time keeps the service's order within one millisecond
    events.sort((a, b) => (a.timestamp ?? 0) - (b.timestamp ?? 0));
    let newest = cursor?.nextToken ? (cursor.newest ?? startTime) : startTime;
    let newestIds = new Set(cursor?.nextToken ? (cursor.newestIds ?? []) : seen);
    for (const e of events) {
      const t = e.timestamp ?? 0;
      if (t > newest) {
        newest = t;
        newestIds = new Set();
      }
      if (t === newest && e.eventId) newestIds.add(e.eventId);
    }
    const text = (cursor?.carry ?? '') + events.map((e) => `${(e.message ?? '').replace(/\n$/, '')}\n`).join('');
    const { entries, consumed } = parseStderrText(text, token !== undefined);
    const carry = text.slice(consumed);
    const next: CloudWatchLogCursor = token
      ? { startTime, seenIds: [...seen], nextToken: token, newest, newestIds: [...newestIds] }
      : { startTime: newest, seenIds: [...newestIds] };
    if (carry) next.carry = carry.slice(-256 * 1024);
    return { entries, cursor: next, bytesRead, more: token !== undefined };
  }

  private async filter(startTime: number, nextToken: string | undefined) {
    try {
      return await this.opts.client.send(
        new FilterLogEventsCommand({ logGroupName: this.opts.logGroup, startTime, nextToken }),
      );
    } catch (err) {
      throw new LogSourceError(
        classifyAwsLogError(err, {
          action: 'logs:FilterLogEvents',
          resource: logGroupArn(this.opts.region, this.opts.logGroup),
        }),
      );
    }
  }
}

/**
 * Builds a per-region CloudWatch Logs client factory (clients memoized by region).
 * @param overrides e.g. `{ endpoint: fake.endpoint, credentials }` in tests or a VPC endpoint.
 */
export function cloudWatchLogsClientFactory(
  overrides: Omit<ConstructorParameters<typeof CloudWatchLogsClient>[0], 'region'> = {},
): (region: string) => CloudWatchLogsClient {
  const clients = new Map<string, CloudWatchLogsClient>();
  return (region) => {
    let c = clients.get(region);
    if (!c) {
      c = new CloudWatchLogsClient({ ...overrides, region });
      clients.set(region, c);
    }
    return c;
  };
}
