/**
 * DDL builders for logical replication objects (PostgreSQL docs: CREATE/ALTER/DROP PUBLICATION, CREATE/ALTER/DROP
 * SUBSCRIPTION). Every identifier goes through `quoteIdent`/`quoteQualified` (validated: not empty, no NUL, at most
 * 63 bytes) and every value through `quoteLiteral` (the CONNECTION string cannot be a bind parameter). Options are
 * emitted only where the target server version has them.
 */
import { formatConninfo } from '../conninfo.js';
import { quoteIdent, quoteLiteral, quoteQualified, validateIdentifier, type QualifiedName } from '../quote.js';

/** Thrown when an option is not available on the server version (e.g. `origin` before PostgreSQL 16). */
export class UnsupportedOptionError extends Error {
  constructor(
    readonly option: string,
    readonly minVersionNum: number,
    readonly serverVersionNum: number,
  ) {
    super(
      `subscription option ${option} needs PostgreSQL ${Math.floor(minVersionNum / 10000)} or later; ` +
        `the target runs ${Math.floor(serverVersionNum / 10000)}`,
    );
    this.name = 'UnsupportedOptionError';
  }
}

/** `WITH (...)` options of CREATE SUBSCRIPTION that prm sets; undefined = server default (not emitted). */
export interface SubscriptionOptions {
  copyData?: boolean;
  /** off | on (PG14+) | parallel (PG16+). */
  streaming?: 'off' | 'on' | 'parallel';
  /** PG14+. */
  binary?: boolean;
  /** PG15+. */
  disableOnError?: boolean;
  /** PG16+. */
  origin?: 'any' | 'none';
  /** Replication slot on the publisher; default = subscription name (server default too). */
  slotName?: string;
  /** `enabled`; default true. */
  enabled?: boolean;
}

/** First server version (server_version_num) with each option, from the CREATE SUBSCRIPTION page of each release. */
export const SUBSCRIPTION_OPTION_MIN_VERSION = {
  binary: 140000,
  streaming: 140000,
  streamingParallel: 160000,
  disableOnError: 150000,
  origin: 160000,
} as const;

/** Which of {@link SubscriptionOptions} a target of `serverVersionNum` supports (for the wizard and preflight). */
export function supportedSubscriptionOptions(serverVersionNum: number): {
  binary: boolean;
  streaming: boolean;
  streamingParallel: boolean;
  disableOnError: boolean;
  origin: boolean;
} {
  const m = SUBSCRIPTION_OPTION_MIN_VERSION;
  return {
    binary: serverVersionNum >= m.binary,
    streaming: serverVersionNum >= m.streaming,
    streamingParallel: serverVersionNum >= m.streamingParallel,
    disableOnError: serverVersionNum >= m.disableOnError,
    origin: serverVersionNum >= m.origin,
  };
}

/**
 * The `WITH (...)` list for a target of `serverVersionNum` (empty string when nothing is set).
 * @throws UnsupportedOptionError when a set option is newer than the server (a `false`/`off`/`any` value that equals
 *   the old behaviour is dropped instead, so defaults never break an older target).
 */
export function subscriptionWithClause(o: SubscriptionOptions, serverVersionNum: number): string {
  const m = SUBSCRIPTION_OPTION_MIN_VERSION;
  const items: string[] = [];
  const need = (option: string, min: number): boolean => {
    if (serverVersionNum >= min) return true;
    throw new UnsupportedOptionError(option, min, serverVersionNum);
  };
  if (o.copyData !== undefined) items.push(`copy_data = ${o.copyData}`);
  if (o.enabled !== undefined) items.push(`enabled = ${o.enabled}`);
  if (o.slotName !== undefined) {
    validateIdentifier(o.slotName, 'slot name');
    items.push(`slot_name = ${quoteLiteral(o.slotName)}`);
  }
  if (o.binary !== undefined && (o.binary ? need('binary', m.binary) : serverVersionNum >= m.binary)) {
    items.push(`binary = ${o.binary}`);
  }
  if (o.streaming !== undefined && o.streaming !== 'off') {
    need(
      o.streaming === 'parallel' ? 'streaming = parallel' : 'streaming',
      o.streaming === 'parallel' ? m.streamingParallel : m.streaming,
    );
    items.push(`streaming = ${o.streaming}`);
  } else if (o.streaming === 'off' && serverVersionNum >= m.streaming) {
    items.push('streaming = off');
  }
  if (o.disableOnError !== undefined) {
    if (o.disableOnError) need('disable_on_error', m.disableOnError);
    if (serverVersionNum >= m.disableOnError) items.push(`disable_on_error = ${o.disableOnError}`);
  }
  if (o.origin !== undefined) {
    if (o.origin === 'none') need('origin', m.origin);
    if (serverVersionNum >= m.origin) items.push(`origin = ${o.origin}`);
  }
  return items.length > 0 ? ` WITH (${items.join(', ')})` : '';
}

/** Parts of the subscription's connection string; `password` ends up in the target's catalog (pg_subscription). */
export interface SubscriptionConninfo {
  host: string;
  port: number;
  dbname: string;
  user: string;
  password: string;
  sslmode: string;
  /** `application_name` of the walsender on the publisher; default the subscription name (server default). */
  applicationName?: string;
  /** Seconds; default 10. */
  connectTimeoutS?: number;
}

/** Builds the libpq `key=value` string for `CONNECTION` (values quoted by `formatConninfo`). */
export function buildSubscriptionConninfo(c: SubscriptionConninfo): string {
  return formatConninfo({
    host: c.host,
    port: String(c.port),
    dbname: c.dbname,
    user: c.user,
    password: c.password,
    sslmode: c.sslmode,
    connect_timeout: String(c.connectTimeoutS ?? 10),
    ...(c.applicationName ? { application_name: c.applicationName } : {}),
  });
}

/**
 * `CREATE PUBLICATION "p" FOR TABLE "s"."t", ...` (or `FOR ALL TABLES`, which needs superuser).
 * @throws InvalidIdentifierError on a bad name; Error when `tables` is an empty list.
 */
export function createPublicationSql(name: string, tables: readonly (string | QualifiedName)[] | 'all'): string {
  if (tables === 'all') return `CREATE PUBLICATION ${quoteIdent(name)} FOR ALL TABLES`;
  if (tables.length === 0) throw new Error('a publication needs at least one table');
  return `CREATE PUBLICATION ${quoteIdent(name)} FOR TABLE ${tables.map((t) => quoteQualified(t)).join(', ')}`;
}

/** `DROP PUBLICATION IF EXISTS "p"` (idempotent, for rollback). */
export function dropPublicationSql(name: string): string {
  return `DROP PUBLICATION IF EXISTS ${quoteIdent(name)}`;
}

/** Input of {@link createSubscriptionSql}. */
export interface CreateSubscriptionInput {
  name: string;
  /** Built by {@link buildSubscriptionConninfo}; holds a password: never log the result. */
  conninfo: string;
  publications: readonly string[];
  options: SubscriptionOptions;
  /** Target's server_version_num. */
  serverVersionNum: number;
}

/**
 * `CREATE SUBSCRIPTION "s" CONNECTION '...' PUBLICATION "p" WITH (...)`. With the default `create_slot = true` the
 * target connects to the publisher and creates the slot there; it cannot run inside a transaction block.
 * The statement contains the password: never log it.
 * @throws InvalidIdentifierError, UnsupportedOptionError.
 */
export function createSubscriptionSql(i: CreateSubscriptionInput): string {
  if (i.publications.length === 0) throw new Error('a subscription needs at least one publication');
  const pubs = i.publications.map((p) => quoteIdent(p)).join(', ');
  return (
    `CREATE SUBSCRIPTION ${quoteIdent(i.name)} CONNECTION ${quoteLiteral(i.conninfo)} PUBLICATION ${pubs}` +
    subscriptionWithClause(i.options, i.serverVersionNum)
  );
}

/** `ALTER SUBSCRIPTION "s" DISABLE` / `ENABLE`. */
export function alterSubscriptionEnabledSql(name: string, enabled: boolean): string {
  return `ALTER SUBSCRIPTION ${quoteIdent(name)} ${enabled ? 'ENABLE' : 'DISABLE'}`;
}

/** `ALTER SUBSCRIPTION "s" SET (slot_name = NONE)`: detaches the slot so DROP SUBSCRIPTION does not connect. */
export function detachSubscriptionSlotSql(name: string): string {
  return `ALTER SUBSCRIPTION ${quoteIdent(name)} SET (slot_name = NONE)`;
}

/** `ALTER SUBSCRIPTION "s" CONNECTION '...'` (rotation). Contains the password: never log it. */
export function alterSubscriptionConnectionSql(name: string, conninfo: string): string {
  return `ALTER SUBSCRIPTION ${quoteIdent(name)} CONNECTION ${quoteLiteral(conninfo)}`;
}

/** `DROP SUBSCRIPTION IF EXISTS "s"` (idempotent). With a slot still attached it drops the slot on the publisher. */
export function dropSubscriptionSql(name: string): string {
  return `DROP SUBSCRIPTION IF EXISTS ${quoteIdent(name)}`;
}

/**
 * Default names derived from the endpoints' names: lower-case, non `[a-z0-9_]` runs become `_`, cut to 63 bytes.
 * `prm_<source>_pub` and `prm_<source>_to_<target>` (the slot takes the subscription's name).
 */
export function defaultStreamNames(
  sourceName: string,
  targetName: string,
): { publication: string; subscription: string } {
  const clean = (s: string): string =>
    s
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .replace(/^_+|_+$/g, '') || 'db';
  const cut = (s: string): string => (s.length > 63 ? s.slice(0, 63) : s);
  return {
    publication: cut(`prm_${clean(sourceName)}_pub`),
    subscription: cut(`prm_${clean(sourceName)}_to_${clean(targetName)}`),
  };
}
