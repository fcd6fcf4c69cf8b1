import type {
  AlertFact,
  AlertKind,
  AlertSeverity,
  AlertSubject,
  EndpointStatus,
  EndpointView,
  LagThresholds,
  RemediationStep,
  ReplicationErrorView,
  SlotInfo,
} from '@prm/contracts';
import type { StoredStreamDetail, StreamRecord } from '@prm/persistence';
import type { AlerterSettings } from '../alerter.settings.js';
import { forecastWal } from './forecast.js';
import { formatBytes, formatSeconds, ident, literal, parseKey, qualified, redact } from './format.js';

/** A condition found on a snapshot: the alert it opens or keeps open. */
export interface Condition {
  fingerprint: string;
  kind: AlertKind;
  severity: AlertSeverity;
  subject: AlertSubject;
  summary: string;
  facts: AlertFact[];
  remediation: RemediationStep[];
  endpointIds: string[];
  streamIds: string[];
  /**
   * Key of the observation (e.g. the publisher snapshot's server time): the alert counts one hit per distinct key, so
   * a derivation triggered by the other end's poll does not count twice. Null: every evaluation counts.
   */
  observation: string | null;
  /** Distinct observations needed before pending turns firing. */
  minHits: number;
  /** Time since first seen needed before pending turns firing, ms. */
  forMs: number;
}

/** One stream touching the evaluated endpoint, with its latest derived status and the monitor's memory. */
export interface StreamInput {
  record: StreamRecord;
  detail: StoredStreamDetail | null;
  tracking: {
    publisherAt?: string | null;
    subscriberAt?: string | null;
    counterRiseAt?: string | null;
    counterRise?: string | null;
    workerMissingPolls?: number;
    slotInactivePolls?: number;
  };
  thresholds: LagThresholds;
  /** Replication errors of the stream inside the error window, newest first. */
  errors: ReplicationErrorView[];
}

/** Everything one evaluation reads (the evaluated endpoint's new snapshot and its neighbourhood). */
export interface RuleInput {
  endpoint: EndpointView;
  status: EndpointStatus;
  /** Every known endpoint and its latest snapshot (null before its first poll). */
  endpoints: Map<string, { view: EndpointView; status: EndpointStatus | null }>;
  /** Streams where the endpoint is the source or the target. */
  streams: StreamInput[];
  /** Every known stream (orphaned-slot check). */
  allStreams: StreamRecord[];
  /** Retained-WAL samples of this endpoint's slots inside the forecast window, by slot name, oldest first. */
  slotSamples: Map<string, { at: string; retainedBytes: number }[]>;
  now: Date;
  settings: AlerterSettings;
}

/** What one evaluation decided: the conditions present, and which open alerts it may resolve. */
export interface RuleOutput {
  conditions: Condition[];
  /**
   * Fingerprints this evaluation observed: an open alert inside this set with no condition is resolved. Alerts of
   * streams with an unreachable end (suppressed) and of unobserved subjects are neither kept nor resolved.
   */
  observed: (fingerprint: string) => boolean;
}

export const fingerprintOf = (kind: AlertKind, subject: Pick<AlertSubject, 'type' | 'id'>): string =>
  `${kind}:${subject.type}:${subject.id}`;

/** Splits `kind:type:id` (the id may contain colons). */
export function parseFingerprint(fp: string): { kind: string; type: string; id: string } {
  const [kind = '', type = '', ...rest] = fp.split(':');
  return { kind, type, id: rest.join(':') };
}

/** `pg_<subid>_sync_<relid>_<sysid>`: the slot of a table synchronization worker (PG13+ naming). */
const SYNC_SLOT = /^pg_(\d+)_sync_(\d+)_(\d+)$/;

const reachable = (s: EndpointStatus | null | undefined): boolean => s?.reachability === 'reachable';

function streamName(s: StreamInput, names: Map<string, string>): string {
  return `${names.get(s.record.targetEndpointId) ?? s.detail?.targetName ?? s.record.targetEndpointId}/${s.record.subscriptionName}`;
}

/**
 * Evaluates every rule on one endpoint's new snapshot (pure). See {@link AlertKind} for the rules; the thresholds and
 * poll counts come from `settings`, the lag thresholds from each stream's effective thresholds.
 */
export function evaluateRules(i: RuleInput): RuleOutput {
  const names = new Map([...i.endpoints].map(([id, e]) => [id, e.view.name]));
  const conditions: Condition[] = [];
  const observed = new Set<string>();
  const observedStreams = new Set<string>();
  let slotsObserved = false;

  // Endpoint unreachable: one alert per endpoint, listing its streams.
  const unreachable = endpointUnreachable(i, names);
  observed.add(fingerprintOf('endpoint-unreachable', { type: 'endpoint', id: i.endpoint.id }));
  if (unreachable) conditions.push(unreachable);

  // Stream rules, suppressed while an end is not reachable (the endpoint alert covers them).
  for (const s of i.streams) {
    const ends = [s.record.targetEndpointId, s.record.sourceEndpointId].filter((x): x is string => x !== null);
    const endsUp = ends.every((id) => reachable(id === i.endpoint.id ? i.status : i.endpoints.get(id)?.status));
    if (!endsUp || !s.detail) continue;
    observedStreams.add(s.record.id);
    conditions.push(...streamConditions(s, names, i.settings, i.now));
  }

  // Slot rules on a reachable publisher.
  if (reachable(i.status)) {
    slotsObserved = true;
    conditions.push(...slotConditions(i, names));
  }

  return {
    conditions,
    observed: (fp) => {
      const { type, id } = parseFingerprint(fp);
      return (
        observed.has(fp) ||
        (type === 'stream' && observedStreams.has(id)) ||
        (type === 'slot' && slotsObserved && id.startsWith(`${i.endpoint.id}/`))
      );
    },
  };
}

function endpointUnreachable(i: RuleInput, names: Map<string, string>): Condition | null {
  const st = i.status;
  if (st.reachability === 'reachable' || st.reachability === 'unknown') return null;
  if (st.consecutiveFailures < i.settings.unreachablePolls) return null;
  const e = i.endpoint;
  const affected = i.streams.map((s) => streamName(s, names));
  const fromPrm = st.reachability === 'unreachable-from-prm';
  const err = st.lastError;
  const facts: AlertFact[] = [
    { label: 'endpoint', value: `${e.name} (${e.host}:${e.port}/${e.dbname}, ${e.role})` },
    { label: 'last error', value: err ? `${err.code}: ${redact(err.message)}` : 'unknown' },
    { label: 'failed polls', value: String(st.consecutiveFailures) },
    { label: 'last reached', value: st.lastSeenAt ?? 'never' },
    { label: 'affected streams', value: affected.length ? affected.join(', ') : 'none' },
  ];
  const remediation: RemediationStep[] = [
    {
      text: 'Check that the server accepts connections from prm’s network',
      command: `pg_isready -h ${e.host} -p ${e.port} -d ${e.dbname}`,
    },
  ];
  const code = err?.code ?? '';
  if (/auth|password|credential|secret|permission|denied/i.test(code)) {
    remediation.push({
      text: `Fix the credentials of endpoint ${e.name} (${e.credential.kind} reference) and re-check it in the console`,
    });
  } else if (/timeout/i.test(code)) {
    remediation.push({
      text: 'A timeout points at the network path: security groups, NACLs, routes or a saturated server',
    });
  } else {
    remediation.push({
      text: 'If the server is down, start it (or fail over); streams resume by themselves once it is back',
    });
  }
  if (fromPrm)
    remediation.push({
      text: 'Its subscribers still receive changes: this is a path problem between prm and the endpoint, not an outage',
    });
  if (affected.length) {
    remediation.push({
      text: 'While a publisher is down its subscribers retry; while a subscriber is down the publisher’s slots retain WAL — watch slot retention on the publisher',
    });
  }
  return {
    fingerprint: fingerprintOf('endpoint-unreachable', { type: 'endpoint', id: e.id }),
    kind: 'endpoint-unreachable',
    severity: fromPrm ? 'warning' : 'critical',
    subject: { type: 'endpoint', id: e.id, name: e.name },
    summary: `Endpoint ${e.name} is ${fromPrm ? 'unreachable from prm' : 'unreachable'} (${st.consecutiveFailures} failed polls${err ? `: ${err.code}` : ''})${affected.length ? `; ${affected.length} stream(s) affected` : ''}`,
    facts,
    remediation,
    endpointIds: [e.id],
    streamIds: i.streams.map((s) => s.record.id),
    observation: null,
    minHits: 1,
    forMs: 0,
  };
}

function streamConditions(
  s: StreamInput,
  names: Map<string, string>,
  settings: AlerterSettings,
  now: Date,
): Condition[] {
  const d = s.detail!;
  const out: Condition[] = [];
  const name = streamName(s, names);
  const sub = ident(s.record.subscriptionName);
  const subject: AlertSubject = { type: 'stream', id: s.record.id, name };
  const endpointIds = [s.record.targetEndpointId, ...(s.record.sourceEndpointId ? [s.record.sourceEndpointId] : [])];
  const base = (kind: AlertKind) => ({
    fingerprint: fingerprintOf(kind, subject),
    kind,
    subject,
    endpointIds,
    streamIds: [s.record.id],
  });
  const where: AlertFact[] = [
    { label: 'stream', value: name },
    {
      label: 'source',
      value: s.record.sourceEndpointId ? (names.get(s.record.sourceEndpointId) ?? 'unknown') : 'unknown',
    },
    { label: 'subscription', value: s.record.subscriptionName },
    { label: 'slot', value: s.record.slotName ?? 'none' },
  ];
  const enabled = d.subscriptionDetail?.enabled;

  // Lag over thresholds (bytes or seconds), held for lagPolls publisher snapshots.
  const t = s.thresholds;
  const over = (v: number | null, limit: number | null) => v !== null && limit !== null && v >= limit;
  const level =
    over(d.lag.bytes, t.criticalBytes) || over(d.lag.seconds, t.criticalSeconds)
      ? 'critical'
      : over(d.lag.bytes, t.warningBytes) || over(d.lag.seconds, t.warningSeconds)
        ? 'warning'
        : null;
  if (level) {
    const remediation: RemediationStep[] = [];
    if (enabled === false) {
      remediation.push({
        text: 'The subscription is disabled: enable it on the subscriber',
        command: `ALTER SUBSCRIPTION ${sub} ENABLE;`,
      });
    } else if (d.subscriptionDetail && d.subscriptionDetail.workerPid === null) {
      remediation.push({
        text: 'The apply worker is not running: look at the subscriber’s log for its error (see the Stream page)',
      });
    }
    remediation.push(
      {
        text: 'See what the walsender is doing on the publisher',
        command: `SELECT application_name, state, write_lag, flush_lag, replay_lag FROM pg_stat_replication WHERE application_name = ${literal(s.record.subscriptionName)};`,
      },
      {
        text: 'Look for long transactions or heavy writes on the publisher, and for locks or slow triggers on the subscriber tables',
      },
    );
    out.push({
      ...base('lag'),
      severity: level,
      summary: `Lag of ${name} is over its ${level} threshold (${formatBytes(d.lag.bytes)}, ${formatSeconds(d.lag.seconds)})`,
      facts: [
        ...where,
        { label: 'lag bytes', value: formatBytes(d.lag.bytes) },
        { label: 'lag seconds', value: formatSeconds(d.lag.seconds) },
        {
          label: `${level} threshold`,
          value: `${level === 'critical' ? formatBytes(t.criticalBytes) : formatBytes(t.warningBytes)} / ${formatSeconds(level === 'critical' ? t.criticalSeconds : t.warningSeconds)}`,
        },
        { label: 'state', value: `${d.state}${d.stateReason ? ` (${d.stateReason})` : ''}` },
      ],
      remediation,
      observation: s.tracking.publisherAt ?? null,
      minHits: settings.lagPolls,
      forMs: 0,
    });
  }

  // Stream down: disabled (unless paused through prm: a pause someone asked for pages nobody), no apply worker,
  // slot inactive. A paused stream's slot still retains WAL: the retention and forecast rules keep watching it.
  const down: { why: string; obs: string | null; steps: RemediationStep[] } | null =
    enabled === false && s.record.pausedAt === null
      ? {
          why: 'subscription is disabled',
          obs: s.tracking.subscriberAt ?? null,
          steps: [
            {
              text: 'If it was disabled on purpose, silence this alert; otherwise enable it on the subscriber',
              command: `ALTER SUBSCRIPTION ${sub} ENABLE;`,
            },
            {
              text: 'If it was disabled by disable_on_error, fix the apply error first (see the Stream page errors)',
            },
          ],
        }
      : enabled === true &&
          d.subscriptionDetail?.workerPid === null &&
          (s.tracking.workerMissingPolls ?? 0) >= settings.downPolls
        ? {
            why: 'apply worker is not running',
            obs: s.tracking.subscriberAt ?? null,
            steps: [
              { text: 'Read the subscriber’s log for the worker’s error (the Stream page lists them)' },
              { text: 'Check free workers on the subscriber', command: 'SHOW max_logical_replication_workers;' },
              {
                text: 'Restart the worker',
                command: `ALTER SUBSCRIPTION ${sub} DISABLE; ALTER SUBSCRIPTION ${sub} ENABLE;`,
              },
            ],
          }
        : enabled === true &&
            d.slotDetail?.active === false &&
            (s.tracking.slotInactivePolls ?? 0) >= settings.downPolls
          ? {
              why: `slot ${d.slotDetail.name} is inactive on the publisher`,
              obs: s.tracking.publisherAt ?? null,
              steps: [
                { text: 'Check that the subscriber can connect to the publisher (conninfo, pg_hba.conf, network)' },
                {
                  text: 'See the walsender on the publisher',
                  command: `SELECT * FROM pg_stat_replication WHERE application_name = ${literal(s.record.subscriptionName)};`,
                },
              ],
            }
          : null;
  if (down) {
    out.push({
      ...base('stream-down'),
      severity: 'critical',
      summary: `Stream ${name} is down: ${down.why}`,
      facts: [
        ...where,
        { label: 'state', value: `${d.state}${d.stateReason ? ` (${d.stateReason})` : ''}` },
        { label: 'lag bytes', value: formatBytes(d.lag.bytes) },
      ],
      remediation: down.steps,
      observation: down.obs,
      minHits: settings.downPolls,
      forMs: 0,
    });
  }

  // Backfill stalled.
  if (d.backfill?.stalled) {
    const stalled = d.tables.filter((x) => x.stalled).map((x) => x.table);
    out.push({
      ...base('backfill-stalled'),
      severity: 'warning',
      summary: `Backfill of ${name} is stalled at ${d.backfill.percent.toFixed(1)}%${stalled.length ? ` (${stalled.join(', ')})` : ''}`,
      facts: [
        ...where,
        {
          label: 'progress',
          value: `${d.backfill.percent.toFixed(1)}% (${d.backfill.tablesDone}/${d.backfill.tablesTotal} tables)`,
        },
        { label: 'stalled tables', value: stalled.join(', ') || 'none named' },
        { label: 'started', value: d.backfill.startedAt ?? 'unknown' },
      ],
      remediation: [
        { text: 'See the copy on the subscriber', command: 'SELECT * FROM pg_stat_progress_copy;' },
        {
          text: 'Look for locks on the target tables and for errors of the table synchronization worker in the subscriber’s log',
        },
      ],
      observation: s.tracking.subscriberAt ?? null,
      minHits: 1,
      forMs: 0,
    });
  }

  // Backfill failed: sync_error_count rose recently, or a table cannot be copied.
  const recent = (at: string | null | undefined) => !!at && now.getTime() - Date.parse(at) <= settings.errorWindowMs;
  const syncRose = recent(s.tracking.counterRiseAt) && /sync_error_count/.test(s.tracking.counterRise ?? '');
  const problems = d.tables.filter((x) => x.problem);
  const syncErrors = s.errors.filter((e) => /table synchronization/.test(e.source) || /^COPY /.test(e.context ?? ''));
  if (syncRose || problems.length > 0 || syncErrors.length > 0) {
    const tables = [
      ...new Set([...problems.map((x) => x.table), ...syncErrors.map((e) => e.table).filter((x): x is string => !!x)]),
    ];
    const remediation: RemediationStep[] = problems.map((x) => ({ text: `${x.table}: ${x.problem}` }));
    if (syncErrors[0]) remediation.push({ text: `Newest copy error: ${redact(syncErrors[0].message)}` });
    remediation.push(
      {
        text: 'Fix the cause (missing table or column on the subscriber, constraint, permissions), then re-read the publication',
        command: `ALTER SUBSCRIPTION ${sub} REFRESH PUBLICATION;`,
      },
      {
        text: 'A failing table restarts its copy from zero each time; rows left on the subscriber by a partial copy make the next try fail on duplicate keys — truncate that table on the subscriber first',
        ...(tables[0] ? { command: `TRUNCATE ${qualified(tables[0])};` } : {}),
      },
    );
    out.push({
      ...base('backfill-failed'),
      severity: 'critical',
      summary: `Backfill of ${name} is failing${tables.length ? ` on ${tables.join(', ')}` : ''}${syncRose ? ` (${s.tracking.counterRise})` : ''}`,
      facts: [
        ...where,
        { label: 'sync_error_count', value: String(d.syncErrorCount ?? 'unknown') },
        { label: 'tables', value: tables.join(', ') || 'unknown' },
        { label: 'since', value: s.tracking.counterRiseAt ?? syncErrors[0]?.at ?? 'unknown' },
      ],
      remediation,
      observation: null,
      minHits: 1,
      forMs: 0,
    });
  }

  // Apply errors: apply_error_count rose recently, or an apply error in the log.
  const applyRose = recent(s.tracking.counterRiseAt) && /apply_error_count/.test(s.tracking.counterRise ?? '');
  const applyErrors = s.errors.filter((e) => !syncErrors.includes(e));
  if (applyRose || applyErrors.length > 0) {
    out.push(applyErrorCondition(s, base('apply-error'), where, applyErrors, applyRose));
  }
  return out;
}

function applyErrorCondition(
  s: StreamInput,
  base: Pick<Condition, 'fingerprint' | 'kind' | 'subject' | 'endpointIds' | 'streamIds'>,
  where: AlertFact[],
  errors: ReplicationErrorView[],
  counterRose: boolean,
): Condition {
  const d = s.detail!;
  const sub = ident(s.record.subscriptionName);
  const e = errors[0] ?? null;
  const facts: AlertFact[] = [...where, { label: 'apply_error_count', value: String(d.applyErrorCount ?? 'unknown') }];
  const remediation: RemediationStep[] = [];
  let summary = `Apply errors on ${base.subject.name}`;
  if (e) {
    facts.push(
      { label: 'error', value: `${e.sqlstate ? `${e.sqlstate} ` : ''}${redact(e.message)}` },
      { label: 'logged at', value: e.at },
    );
    if (e.table) facts.push({ label: 'table', value: e.table });
    if (e.key) facts.push({ label: 'key', value: e.key });
    if (e.constraintName) facts.push({ label: 'constraint', value: e.constraintName });
    if (e.finishLsn) facts.push({ label: 'finish LSN', value: e.finishLsn });
    if (e.detail) facts.push({ label: 'detail', value: redact(e.detail) });
    facts.push({ label: 'errors in window', value: String(errors.length) });
    summary =
      e.sqlstate === '23505'
        ? `Duplicate key on ${e.table ?? 'a table'} stops ${base.subject.name}${e.key ? `: key ${e.key}` : ''}${e.constraintName ? ` (constraint ${e.constraintName})` : ''}`
        : `Apply error on ${base.subject.name}: ${redact(e.message)}`;
    const table = e.table ? qualified(e.table) : null;
    const key = parseKey(e.key);
    if (e.sqlstate === '23505' && table) {
      const cond = key
        ? `(${key.columns.map(ident).join(', ')}) = (${key.values.map(literal).join(', ')})`
        : '<key columns> = <key values>';
      remediation.push(
        {
          text: `Look at the conflicting row on the subscriber (${e.key ?? 'key from the error'} already exists there)`,
          command: `SELECT * FROM ${table} WHERE ${cond};`,
        },
        {
          text: 'Either remove (or fix) the subscriber’s row so the publisher’s change applies; the worker retries by itself',
          command: `DELETE FROM ${table} WHERE ${cond};`,
        },
      );
    } else if (e.sqlstate === '42P01' || /does not exist/.test(e.message)) {
      remediation.push({
        text: 'Create the missing table (same columns) on the subscriber, then re-read the publication',
        command: `ALTER SUBSCRIPTION ${sub} REFRESH PUBLICATION;`,
      });
    } else if (e.sqlstate === '23503' || e.sqlstate === '23502' || e.sqlstate === '23514') {
      remediation.push({
        text: 'The subscriber has a constraint the publisher’s data breaks: relax it or fix the data on the subscriber',
      });
    }
    if (e.finishLsn) {
      remediation.push({
        text: `Or skip the whole failing transaction (PostgreSQL 15+ subscriber; its changes are lost on the subscriber, including the other rows of that transaction)`,
        command: `ALTER SUBSCRIPTION ${sub} SKIP (lsn = ${literal(e.finishLsn)});`,
      });
    }
  } else {
    summary = `Apply errors on ${base.subject.name}: ${s.tracking.counterRise ?? 'apply_error_count rose'}`;
    facts.push({ label: 'since', value: s.tracking.counterRiseAt ?? 'unknown' });
    remediation.push({
      text: 'apply_error_count also counts disconnects; configure the endpoint’s server log source in prm to see the error (table, key, LSN)',
    });
  }
  if (counterRose && e) facts.push({ label: 'counter', value: s.tracking.counterRise ?? '' });
  remediation.push({
    text: 'See the errors and the worker state on the Stream page; the alert resolves once no new error is seen for the error window',
  });
  return { ...base, severity: 'critical', summary, facts, remediation, observation: null, minHits: 1, forMs: 0 };
}

function slotConditions(i: RuleInput, names: Map<string, string>): Condition[] {
  const out: Condition[] = [];
  const e = i.endpoint;
  const s = i.settings;
  const usedBy = new Map<string, StreamRecord>();
  for (const st of i.allStreams) {
    if (st.slotName && (st.sourceEndpointId === e.id || st.sourceEndpointId === null)) usedBy.set(st.slotName, st);
  }
  // Subscriptions (by oid) still copying tables: their tablesync slots are legitimate.
  const copyingSubOids = new Set<number>();
  for (const { status } of i.endpoints.values()) {
    for (const sub of status?.subscriptions ?? []) {
      if ((sub.tables ?? []).some((t) => t.state !== 'r')) copyingSubOids.add(sub.oid);
    }
  }
  const slots = i.status.slots.filter(
    (x) => x.slotType === 'logical' && (x.database === null || x.database === e.dbname),
  );
  for (const slot of slots) {
    const subject: AlertSubject = { type: 'slot', id: `${e.id}/${slot.name}`, name: `${e.name}/${slot.name}` };
    const stream = usedBy.get(slot.name) ?? null;
    const streamIds = stream ? [stream.id] : [];
    const endpointIds = [e.id, ...(stream ? [stream.targetEndpointId] : [])];
    const facts: AlertFact[] = [
      { label: 'endpoint', value: `${e.name} (${e.host}:${e.port}/${e.dbname})` },
      { label: 'slot', value: slot.name },
      { label: 'retained WAL', value: formatBytes(slot.retainedBytes) },
      { label: 'wal_status', value: slot.walStatus ?? 'unknown' },
      { label: 'active', value: String(slot.active) },
      {
        label: 'safe_wal_size',
        value:
          slot.safeWalSizeBytes === undefined || slot.safeWalSizeBytes === null
            ? 'unlimited (max_slot_wal_keep_size = -1)'
            : formatBytes(slot.safeWalSizeBytes),
      },
      {
        label: 'used by',
        value: stream
          ? `${names.get(stream.targetEndpointId) ?? stream.targetEndpointId}/${stream.subscriptionName}`
          : 'no known stream',
      },
    ];
    const base = (kind: AlertKind) => ({
      fingerprint: fingerprintOf(kind, subject),
      kind,
      subject,
      endpointIds,
      streamIds,
      facts,
    });
    const drop = {
      text: 'If the slot is abandoned, drop it on the publisher (this frees the WAL; a subscription using it must then be re-created)',
      command: `SELECT pg_drop_replication_slot(${literal(slot.name)});`,
    };

    const retention = slotRetention(slot, s, drop, stream, names);
    if (retention)
      out.push({ ...base('slot-retention'), ...retention, observation: i.status.serverTime, minHits: 1, forMs: 0 });

    const sync = SYNC_SLOT.exec(slot.name);
    const orphan = !stream && !slot.active && !(sync && copyingSubOids.has(Number(sync[1])));
    if (orphan) {
      out.push({
        ...base('orphaned-slot'),
        severity: 'warning',
        summary: `Orphaned replication slot ${slot.name} on ${e.name} retains ${formatBytes(slot.retainedBytes)} of WAL; no known stream uses it`,
        remediation: [
          {
            text: 'Check that no subscriber uses it (run on every subscriber, including ones prm does not know)',
            command: `SELECT subname, subenabled FROM pg_subscription WHERE subslotname = ${literal(slot.name)};`,
          },
          {
            text: 'Check that nothing is connected to it on the publisher',
            command: `SELECT slot_name, active, active_pid FROM pg_replication_slots WHERE slot_name = ${literal(slot.name)};`,
          },
          { ...drop, text: 'Then drop it: an inactive slot keeps WAL (and old catalog rows) until the disk fills' },
        ],
        observation: i.status.serverTime,
        minHits: 2,
        forMs: s.orphanForMs,
      });
    }

    const headroom =
      slot.safeWalSizeBytes !== undefined && slot.safeWalSizeBytes !== null
        ? { bytes: slot.safeWalSizeBytes, limit: 'max_slot_wal_keep_size (slot then lost)' }
        : s.slotRetentionCriticalBytes !== null && slot.retainedBytes !== null
          ? {
              bytes: s.slotRetentionCriticalBytes - slot.retainedBytes,
              limit: `the critical retention threshold ${formatBytes(s.slotRetentionCriticalBytes)}`,
            }
          : null;
    const samples = i.slotSamples.get(slot.name) ?? [];
    const f = headroom
      ? forecastWal(samples, headroom.bytes, i.now, {
          minSamples: s.forecastMinSamples,
          minSpanMs: s.forecastMinSpanMs,
        })
      : null;
    if (f && headroom && f.hoursLeft <= s.forecastHorizonHours) {
      out.push({
        ...base('slot-forecast'),
        facts: [
          ...facts,
          {
            label: 'growth',
            value: `${formatBytes(Math.round(f.rateBytesPerSecond * 3600))} per hour (regression over ${samples.length} samples)`,
          },
          { label: 'limit', value: headroom.limit },
          { label: 'reached in', value: `${formatSeconds(f.hoursLeft * 3600)} (at ${f.at})` },
        ],
        severity: f.hoursLeft <= s.forecastHorizonHours / 4 ? 'critical' : 'warning',
        summary: `Slot ${slot.name} on ${e.name} reaches ${headroom.limit.split(' (')[0]} in ${formatSeconds(f.hoursLeft * 3600)} at the current WAL growth`,
        remediation: [
          {
            text: stream
              ? `Make the consumer catch up: check stream ${names.get(stream.targetEndpointId) ?? ''}/${stream.subscriptionName} (enabled, apply worker running, no apply errors)`
              : 'No known stream uses this slot: check whether it is orphaned',
          },
          {
            text: 'Buy time by raising the limit on the publisher (needs disk)',
            command: "ALTER SYSTEM SET max_slot_wal_keep_size = '<size>'; SELECT pg_reload_conf();",
          },
          drop,
        ],
        observation: i.status.serverTime,
        minHits: 2,
        forMs: 0,
      });
    }
  }
  return out;
}

function slotRetention(
  slot: SlotInfo,
  s: AlerterSettings,
  drop: RemediationStep,
  stream: StreamRecord | null,
  names: Map<string, string>,
): Pick<Condition, 'severity' | 'summary' | 'remediation'> | null {
  const retained = formatBytes(slot.retainedBytes);
  const consumer = stream
    ? `${names.get(stream.targetEndpointId) ?? stream.targetEndpointId}/${stream.subscriptionName}`
    : null;
  const sub = stream ? ident(stream.subscriptionName) : '<subscription>';
  if (slot.walStatus === 'lost') {
    return {
      severity: 'critical',
      summary: `Slot ${slot.name} is lost: the WAL it needed was removed${consumer ? `; ${consumer} cannot continue` : ''}`,
      remediation: [
        {
          text: 'The subscription can never resume from this slot. Re-create it (new initial copy). On the subscriber:',
          command: `ALTER SUBSCRIPTION ${sub} DISABLE; ALTER SUBSCRIPTION ${sub} SET (slot_name = NONE); DROP SUBSCRIPTION ${sub};`,
        },
        { ...drop, text: 'On the publisher, drop the lost slot' },
        {
          text: 'Then create the stream again in prm (Create stream), truncating the subscriber tables first or with copy_data = false after a manual sync',
        },
      ],
    };
  }
  if (slot.walStatus === 'unreserved') {
    return {
      severity: 'critical',
      summary: `Slot ${slot.name} retains ${retained} and is past max_slot_wal_keep_size (wal_status unreserved): its WAL will be removed at the next checkpoint`,
      remediation: [
        {
          text: `If the WAL is removed the slot becomes lost and ${consumer ?? 'its consumer'} must be re-created with a full initial copy. Make the consumer catch up now${consumer ? ' (check that the subscription is enabled and its apply worker runs)' : ''}`,
        },
        {
          text: 'Or raise the limit on the publisher before the next checkpoint',
          command: "ALTER SYSTEM SET max_slot_wal_keep_size = '<larger size>'; SELECT pg_reload_conf();",
        },
        drop,
      ],
    };
  }
  const level =
    s.slotRetentionCriticalBytes !== null && (slot.retainedBytes ?? 0) >= s.slotRetentionCriticalBytes
      ? 'critical'
      : s.slotRetentionWarningBytes !== null && (slot.retainedBytes ?? 0) >= s.slotRetentionWarningBytes
        ? 'warning'
        : null;
  if (!level) return null;
  return {
    severity: level,
    summary: `Slot ${slot.name} retains ${retained} of WAL (over the ${level} threshold)`,
    remediation: [
      {
        text: `Retained WAL stays on the publisher’s disk until ${consumer ?? 'the slot’s consumer'} confirms it; when the disk fills the publisher stops`,
      },
      {
        text: stream
          ? `Check stream ${consumer}: enabled, apply worker running, lag`
          : 'No known stream uses this slot: check whether it is orphaned',
      },
      {
        text: 'Cap it (the slot is invalidated past the cap instead of filling the disk)',
        command: "ALTER SYSTEM SET max_slot_wal_keep_size = '<size>'; SELECT pg_reload_conf();",
      },
      drop,
    ],
  };
}
