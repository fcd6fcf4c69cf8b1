import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PgCluster, expectEventually, startCluster } from '@prm/testing';
import type { DataSource } from 'typeorm';
import { openMetadataStore } from './data-source.js';
import { MetadataTlsError } from './metadata-tls.js';

// The metadata connection over real TLS: a PostgreSQL 17 cluster whose certificate is signed by a CA made here with
// openssl. verify-full with that CA connects (pg_stat_ssl shows TLS); with another CA, with a certificate for another
// host name, or against a server without TLS, start-up fails with an error naming the setting to check.

/** Runs openssl quietly in `dir`. */
function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: 'ignore' });
}

/** A CA (`<name>.crt`/`.key`) in `dir`. */
function makeCa(dir: string, name: string): string {
  openssl(
    dir,
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}`].concat([
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.crt`,
    ]),
  );
  return join(dir, `${name}.crt`);
}

/** A server key and certificate `<name>.crt` signed by CA `ca`, with subjectAltName `san`. */
function makeServerCert(dir: string, name: string, ca: string, san: string): void {
  openssl(
    dir,
    ['req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}`, '-keyout', `${name}.key`].concat([
      '-out',
      `${name}.csr`,
    ]),
  );
  writeFileSync(join(dir, `${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=serverAuth\n`);
  openssl(
    dir,
    ['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.crt`, '-CAkey', `${ca}.key`, '-CAcreateserial'].concat([
      '-days',
      '2',
      '-extfile',
      `${name}.ext`,
      '-out',
      `${name}.crt`,
    ]),
  );
}

describe('metadata store over TLS (PostgreSQL 17 with a CA made in the test)', () => {
  let dir: string;
  let cluster: PgCluster;
  let rightCa: string;
  let wrongCa: string;
  const opened: DataSource[] = [];

  /** Copies a certificate and key into the data directory, owned by the server's OS user, and switches to them. */
  async function useServerCert(name: string): Promise<void> {
    const { uid, gid } = statSync(cluster.dataDir);
    for (const [ext, mode] of [
      ['crt', 0o644],
      ['key', 0o600],
    ] as const) {
      const target = join(cluster.dataDir, `${name}.${ext}`);
      copyFileSync(join(dir, `${name}.${ext}`), target);
      chownSync(target, uid, gid);
      chmodSync(target, mode);
    }
    await cluster.query(`ALTER SYSTEM SET ssl_cert_file = '${name}.crt'`);
    await cluster.query(`ALTER SYSTEM SET ssl_key_file = '${name}.key'`);
    await cluster.query('ALTER SYSTEM SET ssl = on');
    await cluster.query('SELECT pg_reload_conf()');
    await expectEventually(
      async () => {
        const [row] = await cluster.query<{ ssl: string; cert: string }>(
          "SELECT current_setting('ssl') AS ssl, current_setting('ssl_cert_file') AS cert",
        );
        expect(row).toEqual({ ssl: 'on', cert: `${name}.crt` });
      },
      { timeoutMs: 10_000, intervalMs: 100 },
    );
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prm-tls-'));
    rightCa = makeCa(dir, 'prm-test-ca');
    wrongCa = makeCa(dir, 'other-ca');
    makeServerCert(dir, 'server', 'prm-test-ca', 'IP:127.0.0.1');
    makeServerCert(dir, 'elsewhere', 'prm-test-ca', 'DNS:db.elsewhere.internal');
    cluster = await startCluster({ engine: 'pg17', name: 'metatls' });
  }, 120_000);

  afterAll(async () => {
    for (const ds of opened) await ds.destroy().catch(() => undefined);
    await cluster?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verify-full against a server without TLS fails, saying the server does not accept TLS', async () => {
    const err = await openMetadataStore(cluster.url('prm_tls'), { caFile: rightCa }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MetadataTlsError);
    expect((err as Error).message).toMatch(
      /^metadata database TLS \(verify-full\): 127\.0\.0\.1 does not accept TLS connections .*: The server does not support SSL connections$/,
    );
  });

  describe('with ssl=on', () => {
    beforeAll(() => useServerCert('server'), 30_000);

    it('verify-full with the right CA connects over TLS, creates and migrates the database', async () => {
      const ds = await openMetadataStore(cluster.url('prm_tls'), { mode: 'verify-full', caFile: rightCa });
      opened.push(ds);
      const [row] = (await ds.query('SELECT ssl, version FROM pg_stat_ssl WHERE pid = pg_backend_pid()')) as {
        ssl: boolean;
        version: string;
      }[];
      console.log(`verify-full with the right CA: ssl=${row?.ssl} ${row?.version}`);
      expect(row?.ssl).toBe(true);
      expect(row?.version).toMatch(/^TLSv1\.[23]$/);
      expect(await ds.query("SELECT to_regclass('endpoint') IS NOT NULL AS migrated")).toEqual([{ migrated: true }]);
    });

    it('verify-full with another CA fails with a clear error naming PRM_DATABASE_CA_FILE', async () => {
      const err = await openMetadataStore(cluster.url('prm_tls'), { caFile: wrongCa }).catch((e: unknown) => e);
      console.log(`verify-full with a wrong CA: ${(err as Error).message}`);
      expect(err).toBeInstanceOf(MetadataTlsError);
      expect((err as Error).message).toBe(
        `metadata database TLS (verify-full): the server certificate of 127.0.0.1 is not signed by a CA in ` +
          `PRM_DATABASE_CA_FILE (${wrongCa}): ${((err as Error).cause as Error).message}`,
      );
      expect(((err as Error).cause as NodeJS.ErrnoException).code).toMatch(
        /^(UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)$/,
      );
    });

    it('require connects whatever signed the certificate (encrypted, not verified)', async () => {
      const ds = await openMetadataStore(cluster.url('prm_tls'), { mode: 'require' });
      opened.push(ds);
      const [row] = (await ds.query('SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()')) as { ssl: boolean }[];
      expect(row?.ssl).toBe(true);
    });

    it('verify-full fails when the certificate names another host, even when the CA is right', async () => {
      await useServerCert('elsewhere');
      try {
        const err = await openMetadataStore(cluster.url('prm_tls'), { caFile: rightCa }).catch((e: unknown) => e);
        console.log(`verify-full with a certificate for another host: ${(err as Error).message}`);
        expect(err).toBeInstanceOf(MetadataTlsError);
        expect((err as Error).message).toMatch(
          /^metadata database TLS \(verify-full\): the server certificate does not name 127\.0\.0\.1 /,
        );
      } finally {
        await useServerCert('server');
      }
    });
  });
});
