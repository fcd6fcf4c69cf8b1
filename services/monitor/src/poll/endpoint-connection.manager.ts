import { type EndpointView, type PgCause } from '@prm/contracts';
import {
  CausedError,
  classifyPgError,
  type CredentialResolver,
  type DiscoveryClient,
  type EndpointConnectionSpec,
  type OpenClientOptions,
  openClient,
  withDeadline,
} from '@prm/pg';
import type pg from 'pg';

/** `application_name` of every monitor session (visible in `pg_stat_activity`). */
export const MONITOR_APPLICATION_NAME = 'prm-monitor';

/** Timeouts and reconnect backoff of monitor connections; all in ms. Defaults per monitoring.md §3. */
export interface ConnectionSettings {
  /** Client-side deadline for TCP + TLS + login. Default 5000. */
  connectTimeoutMs: number;
  /** `statement_timeout`. Default 5000. */
  statementTimeoutMs: number;
  /** `lock_timeout` (catalog reads queue behind ALTER/DROP SUBSCRIPTION). Default 1000. */
  lockTimeoutMs: number;
  /** Client-side deadline around every query: catches half-open TCP that `statement_timeout` cannot. Default 6000. */
  queryDeadlineMs: number;
  /** First reconnect delay after a failure; doubles per consecutive failure. Default 1000. */
  backoffBaseMs: number;
  /** Reconnect delay cap. Default 60000. */
  backoffMaxMs: number;
}

export const DEFAULT_CONNECTION_SETTINGS: ConnectionSettings = {
  connectTimeoutMs: 5000,
  statementTimeoutMs: 5000,
  lockTimeoutMs: 1000,
  queryDeadlineMs: 6000,
  backoffBaseMs: 1000,
  backoffMaxMs: 60_000,
};

/** Opens a connected client; the default is `openClient` from @prm/pg with the endpoint's credential resolver. */
export type ClientOpener = (spec: EndpointConnectionSpec, opts: OpenClientOptions) => Promise<pg.Client>;

/**
 * A live monitor session to one endpoint database. `queryPrepared` keeps the statement prepared on the session;
 * behind a pooler that loses it, the session falls back to unprepared statements for good (one retry, no error).
 */
export interface MonitorConnection extends DiscoveryClient {
  /** `server_version_num`, read once per session. */
  readonly serverVersionNum: number;
}

/**
 * Thrown instead of reconnecting while an endpoint is in its backoff window; carries the cause of the failure
 * that started the window, so a status keeps saying why the endpoint is unreachable.
 */
export class BackoffError extends CausedError {
  constructor(
    cause: PgCause,
    readonly retryAt: Date,
  ) {
    super(cause);
  }
}

interface Entry {
  fingerprint: string;
  client: pg.Client | null;
  connecting: Promise<pg.Client> | null;
  serverVersionNum: number;
  /** Set by the client's `error`/`end` events: the session is gone, reconnect on next use. */
  broken: boolean;
  failures: number;
  retryAt: number;
  lastCause: PgCause | null;
  lastUsedAt: number;
  /** The server lost or already had a statement this session prepared (a transaction pooler): run unprepared. */
  unprepared: boolean;
}

/**
 * SQLSTATEs of a prepared statement the session does not hold (26000 invalid_sql_statement_name) or holds from
 * another client (42P05 duplicate_prepared_statement): what a transaction-mode pooler (PgBouncer before 1.21)
 * answers once it hands the session another server connection.
 */
const PREPARED_LOST = new Set(['26000', '42P05']);

/** The connection-relevant fields: a change means the session must be re-opened. */
function fingerprintOf(e: EndpointView): string {
  return JSON.stringify([e.host, e.port, e.dbname, e.sslmode, e.credential, e.updatedAt]);
}

/** Tears a client down without waiting for the server (a half-open socket never answers a Terminate). */
function destroy(client: pg.Client): void {
  const stream = (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream;
  stream?.destroy?.();
  client.end().catch(() => undefined);
}

/**
 * One persistent `pg.Client` per endpoint for the monitor (monitoring.md §0.1, §3): created lazily on first use,
 * `application_name=prm-monitor`, `statement_timeout` and `lock_timeout` as startup parameters, and a client-side
 * deadline around every query. A failed query or login drops the session; the next attempt waits an exponential
 * backoff (base × 2^(failures−1), capped) during which {@link run} fails fast with {@link BackoffError}.
 * A session the server ended (`error`/`end` event) is re-opened on next use without waiting.
 * An endpoint whose host, port, dbname, sslmode, credential or `updatedAt` changed gets a new session.
 */
export class EndpointConnectionManager {
  private readonly entries = new Map<string, Entry>();
  private readonly settings: ConnectionSettings;

  /**
   * @param resolver turns credential references into logins (used by the default opener).
   * @param settings overrides of {@link DEFAULT_CONNECTION_SETTINGS}.
   * @param opener how to open a client (tests may wrap it); default `openClient(spec, resolver, opts)`.
   * @param now clock in epoch ms.
   */
  constructor(
    resolver: CredentialResolver,
    settings: Partial<ConnectionSettings> = {},
    private readonly opener: ClientOpener = (spec, opts) => openClient(spec, resolver, opts),
    private readonly now: () => number = Date.now,
  ) {
    this.settings = { ...DEFAULT_CONNECTION_SETTINGS, ...settings };
  }

  /**
   * Runs `fn` on the endpoint's session, opening it first when needed.
   * @throws BackoffError while in a backoff window; PgConnectError (classified cause) when login fails;
   *   DeadlineError when a query passes `queryDeadlineMs`; the driver error when a query fails. Every failure
   *   drops the session and extends the backoff; success resets it.
   */
  async run<T>(endpoint: EndpointView, fn: (conn: MonitorConnection) => Promise<T>): Promise<T> {
    const entry = this.entryFor(endpoint);
    entry.lastUsedAt = this.now();
    if (entry.client === null && entry.connecting === null && this.now() < entry.retryAt && entry.lastCause) {
      throw new BackoffError(entry.lastCause, new Date(entry.retryAt));
    }
    try {
      const client = await this.clientFor(endpoint, entry);
      const query = (q: string | pg.QueryConfig) =>
        withDeadline(client.query(q), this.settings.queryDeadlineMs, `query on endpoint ${endpoint.name}`);
      const conn: MonitorConnection = {
        serverVersionNum: entry.serverVersionNum,
        query: (text: string) => query(text),
        queryPrepared: async (name: string, text: string) => {
          if (entry.unprepared) return query(text);
          try {
            return await query({ name, text });
          } catch (err) {
            if (!PREPARED_LOST.has((err as { code?: string }).code ?? '')) throw err;
            entry.unprepared = true;
            return query(text);
          }
        },
      };
      const result = await fn(conn);
      entry.failures = 0;
      entry.retryAt = 0;
      entry.lastCause = null;
      return result;
    } catch (err) {
      this.fail(endpoint, entry, err);
      throw err;
    }
  }

  /** Closes and forgets the endpoint's session (endpoint updated or deleted). */
  close(endpointId: string): void {
    const entry = this.entries.get(endpointId);
    if (!entry) return;
    this.entries.delete(endpointId);
    if (entry.client) destroy(entry.client);
    entry.connecting?.then(destroy, () => undefined);
  }

  /** Closes sessions of endpoints not in `endpointIds` (deleted since). */
  retain(endpointIds: Iterable<string>): void {
    const keep = new Set(endpointIds);
    for (const id of [...this.entries.keys()]) if (!keep.has(id)) this.close(id);
  }

  /** Closes sessions unused for longer than `idleMs` (endpoints now polled by another monitor instance). */
  closeIdle(idleMs: number): void {
    const cutoff = this.now() - idleMs;
    for (const [id, e] of [...this.entries]) if (e.lastUsedAt < cutoff) this.close(id);
  }

  /** Closes every session (shutdown). */
  closeAll(): void {
    for (const id of [...this.entries.keys()]) this.close(id);
  }

  /** Introspection for tests and health: whether a session is open, failures in a row, next retry. */
  state(endpointId: string): { connected: boolean; failures: number; retryAt: Date | null } | null {
    const e = this.entries.get(endpointId);
    if (!e) return null;
    return {
      connected: e.client !== null && !e.broken,
      failures: e.failures,
      retryAt: e.retryAt ? new Date(e.retryAt) : null,
    };
  }

  private entryFor(endpoint: EndpointView): Entry {
    const fingerprint = fingerprintOf(endpoint);
    const existing = this.entries.get(endpoint.id);
    if (existing && existing.fingerprint === fingerprint) return existing;
    if (existing) this.close(endpoint.id);
    const entry: Entry = {
      fingerprint,
      client: null,
      connecting: null,
      serverVersionNum: 0,
      broken: false,
      failures: 0,
      retryAt: 0,
      lastCause: null,
      lastUsedAt: this.now(),
      unprepared: false,
    };
    this.entries.set(endpoint.id, entry);
    return entry;
  }

  private async clientFor(endpoint: EndpointView, entry: Entry): Promise<pg.Client> {
    if (entry.client && !entry.broken) return entry.client;
    if (entry.client) {
      destroy(entry.client);
      entry.client = null;
    }
    if (!entry.connecting) {
      entry.connecting = this.open(endpoint, entry).finally(() => {
        entry.connecting = null;
      });
    }
    return entry.connecting;
  }

  private async open(endpoint: EndpointView, entry: Entry): Promise<pg.Client> {
    const s = this.settings;
    const client = await this.opener(
      {
        host: endpoint.host,
        port: endpoint.port,
        dbname: endpoint.dbname,
        sslmode: endpoint.sslmode,
        credential: endpoint.credential,
      },
      {
        applicationName: MONITOR_APPLICATION_NAME,
        connectTimeoutMs: s.connectTimeoutMs,
        statementTimeoutMs: s.statementTimeoutMs,
        lockTimeoutMs: s.lockTimeoutMs,
      },
    );
    const markBroken = (): void => {
      entry.broken = true;
    };
    client.on('error', markBroken);
    client.on('end', markBroken);
    try {
      const res = await withDeadline(
        client.query<{ v: number }>(`SELECT current_setting('server_version_num')::int AS v`),
        s.queryDeadlineMs,
        `reading server_version_num of endpoint ${endpoint.name}`,
      );
      entry.serverVersionNum = res.rows[0].v;
    } catch (err) {
      destroy(client);
      throw err;
    }
    if (this.entries.get(endpoint.id) !== entry) {
      // closed (endpoint updated/deleted) while connecting
      destroy(client);
      throw new Error(`session to endpoint ${endpoint.name} was closed while connecting`);
    }
    entry.broken = false;
    entry.client = client;
    return client;
  }

  private fail(endpoint: EndpointView, entry: Entry, err: unknown): void {
    if (entry.client) {
      destroy(entry.client);
      entry.client = null;
    }
    entry.broken = false;
    entry.failures += 1;
    entry.lastCause = classifyPgError(err, { host: endpoint.host, port: endpoint.port, dbname: endpoint.dbname });
    const delay = Math.min(this.settings.backoffMaxMs, this.settings.backoffBaseMs * 2 ** (entry.failures - 1));
    entry.retryAt = this.now() + delay;
  }
}
