import { ERROR_SEVERITIES, type ServerLogEntry } from './entry.js';

/** What prm learnt about a backend pid from earlier lines (`... worker for subscription "s" has started`). */
export interface PidRole {
  kind: 'apply' | 'tablesync' | 'parallel' | 'walsender';
  subscription?: string;
  table?: string;
  slot?: string;
}

/** pid (as a string) → role; kept in the log cursor so roles survive between reads. */
export type PidRoles = Record<string, PidRole>;

/** Facts extracted from a replication-related log entry (null when the entry does not carry them). */
export interface ReplicationErrorFacts {
  /** From `for subscription "s"` / `subscription "s"`, or from the worker's start line (same pid). */
  subscriptionName: string | null;
  /** `<subid>` of the replication origin `pg_<subid>` in CONTEXT (`pg_subscription.oid`). */
  originSubId: number | null;
  /** `replication target relation "public.t2"`, `relation "public.t4" does not exist`, `COPY t3, line 50`, `table "t3"`. */
  table: string | null;
  /** `finished at <LSN>` in CONTEXT: the LSN `ALTER SUBSCRIPTION ... SKIP (lsn = ...)` takes. */
  finishLsn: string | null;
  /** `constraint "t2_pkey"` in the message. */
  constraintName: string | null;
  /** `(id)=(5000)` from DETAIL `Key (id)=(5000) already exists.` */
  key: string | null;
  /** `replication slot "s"` / `slot "s", output plugin` (walsender side). */
  slotName: string | null;
  /** backend_type, or the role learnt from earlier lines, or `postgres`. */
  source: string;
}

/** A replication-related entry prm keeps, with its extracted facts. */
export interface ReplicationLogEntry extends ServerLogEntry {
  facts: ReplicationErrorFacts;
}

/** Messages that are about logical replication whatever the backend (PostgreSQL 14–17 message texts). */
const REPLICATION_MESSAGES = [
  /^logical replication /,
  /^subscription "[^"]+" has been disabled because of an error/,
  /^could not receive data from WAL stream/,
  /^terminating logical replication worker due to timeout/,
  /^background worker "logical replication[^"]*"/,
  /replication slot "[^"]+"/,
  /^could not (connect to the publisher|start initial contents copy|start WAL streaming|synchronize)/,
  /^publication "[^"]+" does not exist/,
  /^terminating walsender process due to replication timeout/,
  /^conflict detected on relation/,
  /^out of logical replication worker slots/,
];

/** LOG lines worth keeping (the rest of LOG is routine: workers starting, slots created). */
const NOTABLE_LOG = [
  /^subscription "[^"]+" has been disabled because of an error/,
  /^invalidating obsolete replication slot/,
  /^terminating walsender process due to replication timeout/,
  /^conflict detected on relation/,
  /^background worker "logical replication[^"]*" \(PID \d+\) was terminated by signal/,
];

const ROLE_SOURCE: Record<PidRole['kind'], string> = {
  apply: 'logical replication apply worker',
  tablesync: 'logical replication tablesync worker',
  parallel: 'logical replication parallel worker',
  walsender: 'walsender',
};

/**
 * Picks the replication-related entries out of a server log and extracts their facts. Stateful: it learns which
 * pid is which worker from the start lines (`logical replication apply worker for subscription "s" has started`,
 * `... table synchronization worker for subscription "s", table "t" has started`, `starting logical decoding for
 * slot "s"`), which is how a stderr log (no `backend_type`) and errors without a subscription name are attributed.
 * Keeps ERROR/FATAL/PANIC/WARNING of replication backends and messages, plus notable LOG lines (subscription
 * disabled because of an error, slot invalidated, walsender timeout).
 */
export class ReplicationLogClassifier {
  private readonly pids: Map<string, PidRole>;

  /**
   * @param roles pid roles from the previous read (cursor), oldest first
   * @param maxPids roles kept (oldest dropped first); default 512
   */
  constructor(
    roles: PidRoles = {},
    private readonly maxPids = 512,
  ) {
    this.pids = new Map(Object.entries(roles));
  }

  /** The pid roles to store with the cursor. */
  roles(): PidRoles {
    return Object.fromEntries(this.pids);
  }

  /** Feeds `entries` in log order; returns those prm keeps. */
  classify(entries: ServerLogEntry[]): ReplicationLogEntry[] {
    const kept: ReplicationLogEntry[] = [];
    for (const e of entries) {
      this.learn(e);
      const role = e.pid !== null ? this.pids.get(String(e.pid)) : undefined;
      if (!this.isReplication(e, role)) continue;
      const severe = ERROR_SEVERITIES.has(e.severity) || e.severity === 'WARNING';
      if (!severe && !NOTABLE_LOG.some((re) => re.test(e.message))) continue;
      kept.push({ ...e, facts: extractReplicationFacts(e, role) });
    }
    return kept;
  }

  private isReplication(e: ServerLogEntry, role: PidRole | undefined): boolean {
    if (e.backendType?.startsWith('logical replication') || e.backendType === 'walsender') return true;
    if (role) return true;
    if (REPLICATION_MESSAGES.some((re) => re.test(e.message))) return true;
    return /replication origin "pg_\d+"|slot "[^"]+", output plugin/.test(e.context ?? '');
  }

  private learn(e: ServerLogEntry): void {
    if (e.pid === null) return;
    let role: PidRole | null = null;
    let m = /^logical replication (apply|parallel apply) worker for subscription "(.+)" has started$/.exec(e.message);
    if (m) role = { kind: m[1] === 'apply' ? 'apply' : 'parallel', subscription: m[2] };
    m = /^logical replication table synchronization worker for subscription "(.+)", table "(.+)" has started$/.exec(
      e.message,
    );
    if (m) role = { kind: 'tablesync', subscription: m[1], table: m[2] };
    m = /^starting logical decoding for slot "(.+)"$/.exec(e.message);
    if (m) role = { kind: 'walsender', slot: m[1] };
    if (!role) return;
    const key = String(e.pid);
    this.pids.delete(key); // re-insert as newest
    this.pids.set(key, role);
    while (this.pids.size > this.maxPids) this.pids.delete(this.pids.keys().next().value as string);
  }
}

/**
 * Extracts subscription, table, replication origin, finish LSN, constraint and key from one entry (message,
 * DETAIL and CONTEXT texts of PostgreSQL 14–17, e.g. CONTEXT `processing remote data for replication origin
 * "pg_16396" during message type "INSERT" for replication target relation "public.t2" in transaction 740, finished
 * at 0/14E0EB0`), falling back on what `role` (the pid's worker) says.
 */
export function extractReplicationFacts(e: ServerLogEntry, role?: PidRole): ReplicationErrorFacts {
  const context = e.context ?? '';
  const subscriptionName =
    /subscription "((?:[^"]|"")+)"/.exec(e.message)?.[1]?.replace(/""/g, '"') ?? role?.subscription ?? null;
  const origin = /replication origin "pg_(\d+)"/.exec(context)?.[1];
  const table =
    /replication target relation "([^"]+)"/.exec(context)?.[1] ??
    /logical replication target relation "([^"]+)"/.exec(e.message)?.[1] ??
    /relation "([^"]+)" does not exist/.exec(e.message)?.[1] ??
    /(?:^|\n)COPY ([^,\s]+), line \d+/.exec(context)?.[1] ??
    /\btable "([^"]+)"/.exec(e.message)?.[1] ??
    (role?.kind === 'tablesync' ? (role.table ?? null) : null);
  const key =
    /Key (\(.*\)=\(.*\))(?= already exists| is not present| is still referenced| conflicts with)/.exec(
      e.detail ?? '',
    )?.[1] ??
    /Key (\(.*\)=\(.*\))\.?$/m.exec(e.detail ?? '')?.[1] ??
    null;
  const slotName =
    /replication slot "([^"]+)"/.exec(e.message)?.[1] ??
    /slot "([^"]+)", output plugin/.exec(context)?.[1] ??
    role?.slot ??
    null;
  return {
    subscriptionName,
    originSubId: origin ? Number(origin) : null,
    table,
    finishLsn: /finished at ([0-9A-F]+\/[0-9A-F]+)/i.exec(context)?.[1] ?? null,
    constraintName: /constraint "([^"]+)"/.exec(e.message)?.[1] ?? null,
    key,
    slotName,
    source: e.backendType ?? (role ? ROLE_SOURCE[role.kind] : 'postgres'),
  };
}
