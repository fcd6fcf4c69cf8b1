import { DescribeDBLogFilesCommand, DownloadDBLogFilePortionCommand, RDSClient } from '@aws-sdk/client-rds';
import { type LogReader, type LogReadResult, parseCsvlog, parseStderrText, type ServerLogEntry } from '@prm/pg';

import { classifyAwsLogError, LogSourceError, rdsInstanceArn } from './aws-log-errors.js';

/** Per-file read state: the RDS marker to continue at and text held back for the next portion. */
export interface RdsLogFileState {
  marker: string;
  /** Text after the last complete entry (a partial line, or the last entry while more data was pending). */
  carry?: string;
  /** `LastWritten` of the file when last listed, ms since epoch. */
  lastWritten: number;
  /** The last download reached the end of the file (`AdditionalDataPending` false). */
  complete?: boolean;
}

/** Where an RDS log read stopped. */
export interface RdsLogCursor {
  /** List files written since this time, ms since epoch (`DescribeDBLogFiles.FileLastWritten`). */
  since: number;
  files: Record<string, RdsLogFileState>;
}

/** Options of {@link RdsLogReader}. */
export interface RdsLogReaderOptions {
  client: RDSClient;
  instanceId: string;
  region: string;
  /** Bytes of log data downloaded per read at most (the API returns up to 1 MB per call); default 1 MiB. */
  maxBytesPerRead?: number;
  /** `DownloadDBLogFilePortion` calls per read at most; default 4. */
  maxCallsPerRead?: number;
  /** On the first read, only files written in the last this-many ms are read; default 15 min. */
  initialLookbackMs?: number;
  /** Clock, ms; for tests. */
  now?: () => number;
}

/** Text held per file at most; beyond that it is dropped (a runaway line), bytes. */
const MAX_CARRY = 256 * 1024;

/**
 * Reads an RDS for PostgreSQL instance's log through the RDS API: `DescribeDBLogFiles` (files written since the
 * cursor) and `DownloadDBLogFilePortion` with each file's `Marker` (RDS API reference). Files are
 * `error/postgresql.log.<YYYY-MM-DD-HH>` (stderr, prefix `%t:%r:%u@%d:[%p]:`) and, with `log_destination`
 * including csvlog, `....csv` twins: when csv files exist only they are read. AWS notes that downloading logs
 * "uses resources on database instances"; prefer CloudWatch for busy instances.
 * Errors are thrown as {@link LogSourceError} naming the IAM action and instance ARN.
 */
export class RdsLogReader implements LogReader<RdsLogCursor> {
  private readonly maxBytes: number;
  private readonly maxCalls: number;
  private readonly lookbackMs: number;
  private readonly now: () => number;

  constructor(private readonly opts: RdsLogReaderOptions) {
    this.maxBytes = opts.maxBytesPerRead ?? 1024 * 1024;
    this.maxCalls = opts.maxCallsPerRead ?? 4;
    this.lookbackMs = opts.initialLookbackMs ?? 15 * 60_000;
    this.now = opts.now ?? Date.now;
  }

  async read(cursor: RdsLogCursor | null): Promise<LogReadResult<RdsLogCursor>> {
    const since = cursor?.since ?? this.now() - this.lookbackMs;
    const listed = await this.listFiles(since);
    const csv = listed.some((f) => f.name.endsWith('.csv'));
    const files = listed.filter((f) => f.name.endsWith('.csv') === csv);
    const states: Record<string, RdsLogFileState> = {};
    const entries: ServerLogEntry[] = [];
    let bytesRead = 0;
    let calls = 0;
    const incomplete: number[] = [];
    for (const f of files) {
      const prev = cursor?.files[f.name];
      const state: RdsLogFileState = { ...prev, marker: prev?.marker ?? '0', lastWritten: f.lastWritten };
      states[f.name] = state;
      let pending = !prev?.complete || f.lastWritten > prev.lastWritten;
      while (pending && calls < this.maxCalls && bytesRead < this.maxBytes) {
        const portion = await this.download(f.name, state.marker);
        calls++;
        bytesRead += Buffer.byteLength(portion.data);
        const text = (state.carry ?? '') + portion.data;
        let rest: string;
        if (csv) {
          const buf = Buffer.from(text, 'utf8');
          const parsed = parseCsvlog(buf);
          entries.push(...parsed.entries);
          rest = buf.subarray(parsed.consumed).toString('utf8');
        } else {
          const parsed = parseStderrText(text, portion.pending);
          entries.push(...parsed.entries);
          rest = text.slice(parsed.consumed);
        }
        state.carry = rest.length > 0 && rest.length <= MAX_CARRY ? rest : undefined;
        state.marker = portion.marker ?? state.marker;
        pending = portion.pending;
      }
      state.complete = !pending;
      if (pending) incomplete.push(f.lastWritten);
    }
    const more = incomplete.length > 0;
    const nextSince = more ? Math.min(...incomplete) : Math.max(since, ...files.map((f) => f.lastWritten));
    // keep states of files that may still be listed (written since the next `since`)
    for (const [name, s] of Object.entries(cursor?.files ?? {})) {
      if (!(name in states) && s.lastWritten >= nextSince) states[name] = s;
    }
    return { entries, cursor: { since: nextSince, files: states }, bytesRead, more };
  }

  /** Log files written since `since` (ms), oldest first; paginates `DescribeDBLogFiles`. */
  private async listFiles(since: number): Promise<{ name: string; lastWritten: number; size: number }[]> {
    const out: { name: string; lastWritten: number; size: number }[] = [];
    let marker: string | undefined;
    do {
      const res = await this.call('rds:DescribeDBLogFiles', () =>
        this.opts.client.send(
          new DescribeDBLogFilesCommand({
            DBInstanceIdentifier: this.opts.instanceId,
            FileLastWritten: since,
            Marker: marker,
          }),
        ),
      );
      for (const d of res.DescribeDBLogFiles ?? []) {
        if (d.LogFileName && /(^|\/)postgresql\.log/.test(d.LogFileName)) {
          out.push({ name: d.LogFileName, lastWritten: d.LastWritten ?? 0, size: d.Size ?? 0 });
        }
      }
      marker = res.Marker;
    } while (marker);
    return out.sort((a, b) => a.lastWritten - b.lastWritten || a.name.localeCompare(b.name));
  }

  private async download(file: string, marker: string): Promise<{ data: string; marker?: string; pending: boolean }> {
    const res = await this.call('rds:DownloadDBLogFilePortion', () =>
      this.opts.client.send(
        new DownloadDBLogFilePortionCommand({
          DBInstanceIdentifier: this.opts.instanceId,
          LogFileName: file,
          Marker: marker,
        }),
      ),
    );
    return { data: res.LogFileData ?? '', marker: res.Marker, pending: res.AdditionalDataPending === true };
  }

  private async call<T>(action: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (err) {
      throw new LogSourceError(
        classifyAwsLogError(err, { action, resource: rdsInstanceArn(this.opts.region, this.opts.instanceId) }),
      );
    }
  }
}

/**
 * Builds a per-region RDS client factory (clients memoized by region).
 * @param overrides e.g. `{ endpoint: fake.endpoint, credentials }` in tests or a VPC endpoint.
 */
export function rdsClientFactory(
  overrides: Omit<ConstructorParameters<typeof RDSClient>[0], 'region'> = {},
): (region: string) => RDSClient {
  const clients = new Map<string, RDSClient>();
  return (region) => {
    let c = clients.get(region);
    if (!c) {
      c = new RDSClient({ ...overrides, region });
      clients.set(region, c);
    }
    return c;
  };
}
