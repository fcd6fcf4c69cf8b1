import { readFileSync } from 'node:fs';

/**
 * TLS modes of the connection to prm's metadata store (`PRM_DATABASE_SSL`), in libpq's terms: `disable` (plain TCP),
 * `require` (encrypted, the server certificate is not checked: no protection against an impostor) and `verify-full`
 * (the certificate must chain to a trusted CA and name the host connected to). Source: PostgreSQL docs 32.19.1
 * "Client Verification of Server Certificates", table 32.1 "SSL Mode Descriptions".
 */
export const METADATA_DB_SSL_MODES = ['disable', 'require', 'verify-full'] as const;
export type MetadataDbSslMode = (typeof METADATA_DB_SSL_MODES)[number];

/** TLS settings of the metadata connection: `PRM_DATABASE_SSL` and `PRM_DATABASE_CA_FILE` (validated by CommonEnv). */
export interface MetadataTlsSettings {
  mode?: MetadataDbSslMode;
  /** PEM file of the CA certificates to trust (e.g. the RDS global bundle); replaces Node's built-in list. */
  caFile?: string;
}

/** The TLS options prm sets on a metadata connection (a subset of Node's `tls.connect` options). */
export interface MetadataSslOptions {
  /** Fail the handshake unless the certificate chains to `ca` (or Node's CA list) and names the host. */
  rejectUnauthorized: boolean;
  /** PEM text of the trusted CA certificates. */
  ca?: string;
}

/**
 * The mode in force: the given one, else `verify-full` when a CA file is given, else undefined (the URL's own
 * `sslmode`, if any, decides; without one the connection is plain TCP).
 */
export function effectiveSslMode(settings: MetadataTlsSettings | undefined): MetadataDbSslMode | undefined {
  return settings?.mode ?? (settings?.caFile ? 'verify-full' : undefined);
}

/**
 * The node-postgres `ssl` option for `settings`: `false` for `disable`, `{ rejectUnauthorized: false }` for
 * `require`, `{ rejectUnauthorized: true, ca }` for `verify-full` (node-postgres sets the TLS server name to the host,
 * so Node checks the host name against the certificate; without a CA file Node's built-in CA list is used), and
 * undefined when nothing is set. Reads the CA file (synchronously, at start).
 * @throws MetadataTlsError naming `PRM_DATABASE_CA_FILE` when the file cannot be read.
 */
export function metadataSslConfig(settings: MetadataTlsSettings | undefined): false | MetadataSslOptions | undefined {
  const mode = effectiveSslMode(settings);
  if (mode === undefined) return undefined;
  if (mode === 'disable') return false;
  if (mode === 'require') return { rejectUnauthorized: false };
  if (!settings?.caFile) return { rejectUnauthorized: true };
  try {
    return { rejectUnauthorized: true, ca: readFileSync(settings.caFile, 'utf8') };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new MetadataTlsError(`PRM_DATABASE_CA_FILE ${settings.caFile}: ${code}`);
  }
}

/** A failed TLS set-up with the metadata store, explained with the setting to look at. */
export class MetadataTlsError extends Error {
  readonly code = 'metadata-db-tls';
}

/** Node's codes for a certificate that does not chain to a trusted CA. */
const UNTRUSTED_CERTIFICATE = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_SIGNATURE_FAILURE',
]);

/**
 * `err` from connecting to the metadata store at `host`, turned into a {@link MetadataTlsError} that says what failed
 * and which setting to check when it is a TLS failure (untrusted or expired certificate, wrong host name, server
 * without TLS); any other error is returned unchanged. The driver's message is kept at the end.
 */
export function explainMetadataTlsError(
  err: unknown,
  settings: MetadataTlsSettings | undefined,
  host: string,
): unknown {
  // duck-typed: errors of Node's TLS layer may come from another realm (e.g. under jest) than this module's Error
  if (typeof err !== 'object' || err === null || typeof (err as Error).message !== 'string') return err;
  const code = String((err as NodeJS.ErrnoException).code ?? '');
  const mode = effectiveSslMode(settings) ?? 'the URL sslmode';
  const trust = settings?.caFile ? `a CA in PRM_DATABASE_CA_FILE (${settings.caFile})` : "a CA in Node's built-in list";
  let what: string | null = null;
  if (UNTRUSTED_CERTIFICATE.has(code)) {
    what = `the server certificate of ${host} is not signed by ${trust}`;
  } else if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    what = `the server certificate of ${host} is outside its validity period`;
  } else if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    what = `the server certificate does not name ${host} (connect with a host name the certificate lists)`;
  } else if (/server does not support SSL/i.test((err as Error).message)) {
    what = `${host} does not accept TLS connections (PRM_DATABASE_SSL=disable only on a trusted network)`;
  }
  if (what === null) return err;
  return new MetadataTlsError(`metadata database TLS (${mode}): ${what}: ${(err as Error).message}`, { cause: err });
}
