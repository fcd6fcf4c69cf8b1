import { Inject, Injectable, Logger } from '@nestjs/common';
import { type EndpointStatus, type EndpointView, type LogSourceRef } from '@prm/contracts';
import { LogCursorRepository, type NewReplicationError, ReplicationErrorRepository } from '@prm/persistence';
import { type PidRoles, ReplicationLogClassifier, type ReplicationLogEntry } from '@prm/pg';

import { LOG_READER_FACTORY, type LogReaderFactory } from './log-reader.factory.js';
import { type LogIngestion } from './log-ingestion.port.js';
import { STREAM_LOOKUP, type StreamLookup } from './stream-lookup.js';

/** What one {@link LogIngestionService.ingest} did. */
export interface LogIngestionResult {
  /** Log entries read (all severities). */
  read: number;
  /** Replication-related entries kept. */
  kept: number;
  /** Rows inserted (kept minus those already stored). */
  inserted: number;
  /** Rows stored earlier without a stream that are now attached to one. */
  attached: number;
  /** More log data was available than this call read. */
  more: boolean;
  /** The errors stored by this call, in log order (for logs and tests). */
  errors: NewReplicationError[];
}

/** The `log_cursor.position` this service stores. */
interface StoredPosition {
  /** Identity of the log source the reader cursor belongs to; a changed source starts afresh. */
  source: string;
  reader: unknown;
  /** pid → worker role (from start lines), so an error read later is still attributed. */
  roles: PidRoles;
}

const EMPTY: LogIngestionResult = { read: 0, kept: 0, inserted: 0, attached: 0, more: false, errors: [] };

/** A stable key of a log source (kind + where), to notice that an endpoint's source changed. */
export function logSourceKey(source: LogSourceRef): string {
  switch (source.kind) {
    case 'file':
      return `file:${source.format}:${source.path}`;
    case 'rds':
      return `rds:${source.region}:${source.instanceId}`;
    case 'cloudwatch':
      return `cloudwatch:${source.region}:${source.logGroup}`;
    case 'none':
      return 'none';
  }
}

/**
 * Reads each endpoint's server log incrementally (cursor in `log_cursor`), keeps the replication-related errors
 * (apply, table sync, parallel workers, walsender, slots; plus "subscription ... has been disabled because of an
 * error") and stores them with the server's timestamp, SQLSTATE, message, DETAIL, CONTEXT, table, finish LSN,
 * constraint and key in `replication_error`, attached to their stream:
 * - subscriber side: stream = (target endpoint = this endpoint, subscription name); the name comes from the message,
 *   the worker's start line (same pid), or the replication origin `pg_<subid>` matched to
 *   `EndpointStatus.subscriptions[].oid`;
 * - publisher side (walsender): stream = (source endpoint = this endpoint, slot name).
 * Rows whose stream is not known yet are attached on a later call, once the stream exists.
 * An endpoint with `logSource.kind = 'none'` is not read (its PG15+ counters still show errors).
 * Throws the reader's error (`LogSourceError` with the IAM action for AWS, `LogFileError` for files); the cursor is
 * then left where it was.
 */
@Injectable()
export class LogIngestionService implements LogIngestion {
  private readonly logger = new Logger(LogIngestionService.name);

  constructor(
    @Inject(ReplicationErrorRepository) private readonly errors: ReplicationErrorRepository,
    @Inject(LogCursorRepository) private readonly cursors: LogCursorRepository,
    @Inject(STREAM_LOOKUP) private readonly streams: StreamLookup,
    @Inject(LOG_READER_FACTORY) private readonly readers: LogReaderFactory,
  ) {}

  async ingest(endpoint: EndpointView, status: EndpointStatus | null): Promise<LogIngestionResult> {
    const source = endpoint.logSource ?? { kind: 'none' };
    const reader = this.readers.create(source);
    if (!reader) return EMPTY;
    const key = logSourceKey(source);
    const stored = (await this.cursors.get(endpoint.id))?.position as StoredPosition | undefined;
    const position = stored?.source === key ? stored : null;
    const { entries, cursor, more } = await reader.read(position?.reader ?? null);
    const classifier = new ReplicationLogClassifier(position?.roles ?? {});
    const kept = classifier.classify(entries);
    const rows = await this.toRows(endpoint.id, kept, status);
    const inserted = await this.errors.insertMany(rows);
    await this.cursors.save(endpoint.id, source.kind, {
      source: key,
      reader: cursor,
      roles: classifier.roles(),
    } satisfies StoredPosition as unknown as Record<string, unknown>);
    const attached = await this.attachPending(endpoint.id);
    if (inserted > 0) {
      this.logger.log(`endpoint ${endpoint.name}: ${inserted} replication error(s) from the server log`);
    }
    return { read: entries.length, kept: kept.length, inserted, attached, more, errors: rows };
  }

  private async toRows(
    endpointId: string,
    kept: ReplicationLogEntry[],
    status: EndpointStatus | null,
  ): Promise<NewReplicationError[]> {
    const byOid = new Map((status?.subscriptions ?? []).map((s) => [s.oid, s.name]));
    const cache = new Map<string, Promise<string | null>>();
    const lookup = (kind: 'sub' | 'slot', name: string): Promise<string | null> => {
      const k = `${kind}:${name}`;
      let p = cache.get(k);
      if (!p) {
        p =
          kind === 'sub'
            ? this.streams.findStreamId(endpointId, name)
            : this.streams.findStreamIdBySlot(endpointId, name);
        cache.set(k, p);
      }
      return p;
    };
    const rows: NewReplicationError[] = [];
    for (const e of kept) {
      const f = e.facts;
      const subscriptionName =
        f.subscriptionName ?? (f.originSubId !== null ? (byOid.get(f.originSubId) ?? null) : null);
      let streamId: string | null = null;
      if (subscriptionName) streamId = await lookup('sub', subscriptionName);
      else if (f.slotName && f.source === 'walsender') streamId = await lookup('slot', f.slotName);
      rows.push({
        endpointId,
        streamId,
        subscriptionName,
        at: e.at,
        severity: e.severity,
        sqlstate: e.sqlstate,
        message: e.message,
        detail: e.detail,
        context: e.context,
        source: f.source,
        pid: e.pid,
        table: f.table,
        finishLsn: f.finishLsn,
        constraintName: f.constraintName,
        key: f.key,
      });
    }
    return rows;
  }

  /** Attaches earlier rows of subscriptions whose stream now exists (one UPDATE per subscription with such rows). */
  private async attachPending(endpointId: string): Promise<number> {
    let attached = 0;
    for (const name of await this.errors.unattachedSubscriptions(endpointId)) {
      const streamId = await this.streams.findStreamId(endpointId, name);
      if (streamId) attached += await this.errors.attach(endpointId, name, streamId);
    }
    return attached;
  }
}
