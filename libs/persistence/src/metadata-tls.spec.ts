import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommonEnv, InvalidEnvironmentError, validateEnv } from '@prm/observability';
import { metadataDataSourceOptions } from './data-source.js';
import { MetadataTlsError, effectiveSslMode, explainMetadataTlsError, metadataSslConfig } from './metadata-tls.js';

// PRM_DATABASE_SSL / PRM_DATABASE_CA_FILE: validation by CommonEnv, the node-postgres `ssl` option they become, and
// the explanation of TLS failures. A real TLS handshake is in metadata-tls.int-spec.ts.

/** The variables and reasons validateEnv reports for `env`, or [] when it is accepted. */
function envProblems(env: Record<string, string>): string[] {
  try {
    validateEnv(CommonEnv, env);
    return [];
  } catch (err) {
    if (!(err instanceof InvalidEnvironmentError)) throw err;
    return err.problems.map((p) => `${p.variable}: ${p.reason}`);
  }
}

const errorWithCode = (message: string, code?: string): Error => Object.assign(new Error(message), { code });

describe('metadata store TLS settings', () => {
  let dir: string;
  let caFile: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'prm-tls-unit-'));
    caFile = join(dir, 'ca.pem');
    execFileSync(
      'openssl',
      ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=prm unit test CA'].concat([
        '-keyout',
        join(dir, 'ca.key'),
        '-out',
        caFile,
      ]),
      { stdio: 'ignore' },
    );
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('CommonEnv', () => {
    it('accepts no TLS settings (the URL decides) and each mode', () => {
      expect(validateEnv(CommonEnv, {}).PRM_DATABASE_SSL).toBeUndefined();
      for (const mode of ['disable', 'require', 'verify-full']) {
        expect(validateEnv(CommonEnv, { PRM_DATABASE_SSL: mode }).PRM_DATABASE_SSL).toBe(mode);
      }
      const env = validateEnv(CommonEnv, { PRM_DATABASE_CA_FILE: caFile });
      expect(env.PRM_DATABASE_CA_FILE).toBe(caFile);
      expect(effectiveSslMode({ mode: env.PRM_DATABASE_SSL, caFile: env.PRM_DATABASE_CA_FILE })).toBe('verify-full');
    });

    it('names PRM_DATABASE_SSL for an unknown mode', () => {
      expect(envProblems({ PRM_DATABASE_SSL: 'verify-ca' })).toEqual([
        'PRM_DATABASE_SSL: PRM_DATABASE_SSL must be one of the following values: disable, require, verify-full',
      ]);
    });

    it('names PRM_DATABASE_CA_FILE when the file is missing, holds no certificate or a broken one', () => {
      const missing = join(dir, 'none.pem');
      expect(envProblems({ PRM_DATABASE_CA_FILE: missing })).toEqual([
        `PRM_DATABASE_CA_FILE: cannot read ${missing} (ENOENT)`,
      ]);
      const empty = join(dir, 'key-only.pem');
      writeFileSync(empty, readFileSync(join(dir, 'ca.key')));
      expect(envProblems({ PRM_DATABASE_CA_FILE: empty })).toEqual([
        `PRM_DATABASE_CA_FILE: ${empty} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`,
      ]);
      const broken = join(dir, 'broken.pem');
      const second = '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n';
      writeFileSync(broken, readFileSync(caFile, 'utf8') + second);
      expect(envProblems({ PRM_DATABASE_CA_FILE: broken })).toEqual([
        `PRM_DATABASE_CA_FILE: ${broken}: certificate 2 of 2 cannot be parsed`,
      ]);
    });

    it('refuses a CA file with a mode that would not use it', () => {
      expect(envProblems({ PRM_DATABASE_SSL: 'require', PRM_DATABASE_CA_FILE: caFile })).toEqual([
        'PRM_DATABASE_CA_FILE: only used with PRM_DATABASE_SSL=verify-full (is require)',
      ]);
      expect(envProblems({ PRM_DATABASE_SSL: 'verify-full', PRM_DATABASE_CA_FILE: caFile })).toEqual([]);
    });

    it('refuses TLS parameters in the URL next to the TLS settings (node-postgres would let the URL win)', () => {
      const url = 'postgres://prm@db.example.internal:5432/prm?sslmode=no-verify&sslrootcert=/x.pem';
      expect(envProblems({ PRM_DATABASE_URL: url, PRM_DATABASE_SSL: 'verify-full' })).toEqual([
        'PRM_DATABASE_URL: must not carry sslmode, sslrootcert when PRM_DATABASE_SSL or PRM_DATABASE_CA_FILE is set ' +
          '(they would override them)',
      ]);
      expect(envProblems({ PRM_DATABASE_URL: url, PRM_DATABASE_CA_FILE: caFile })).toHaveLength(1);
      expect(envProblems({ PRM_DATABASE_URL: url })).toEqual([]);
      expect(envProblems({ PRM_DATABASE_URL: 'postgres://prm@db/prm', PRM_DATABASE_SSL: 'require' })).toEqual([]);
    });
  });

  describe('metadataSslConfig', () => {
    it('maps each mode to the node-postgres ssl option', () => {
      expect(metadataSslConfig(undefined)).toBeUndefined();
      expect(metadataSslConfig({})).toBeUndefined();
      expect(metadataSslConfig({ mode: 'disable' })).toBe(false);
      expect(metadataSslConfig({ mode: 'require' })).toEqual({ rejectUnauthorized: false });
      expect(metadataSslConfig({ mode: 'verify-full' })).toEqual({ rejectUnauthorized: true });
      const ca = readFileSync(caFile, 'utf8');
      expect(metadataSslConfig({ caFile })).toEqual({ rejectUnauthorized: true, ca });
      expect(metadataSslConfig({ mode: 'verify-full', caFile })).toEqual({ rejectUnauthorized: true, ca });
    });

    it('names PRM_DATABASE_CA_FILE when the file went away after validation', () => {
      const gone = join(dir, 'gone.pem');
      expect(() => metadataSslConfig({ caFile: gone })).toThrow(MetadataTlsError);
      expect(() => metadataSslConfig({ caFile: gone })).toThrow(`PRM_DATABASE_CA_FILE ${gone}: ENOENT`);
    });

    it('goes into the TypeORM options only when set', () => {
      expect('ssl' in metadataDataSourceOptions('postgres://x@h/prm')).toBe(false);
      expect(metadataDataSourceOptions('postgres://x@h/prm', { mode: 'disable' })).toMatchObject({ ssl: false });
      expect(metadataDataSourceOptions('postgres://x@h/prm', { caFile })).toMatchObject({
        ssl: { rejectUnauthorized: true, ca: expect.stringContaining('BEGIN CERTIFICATE') },
      });
    });
  });

  describe('explainMetadataTlsError', () => {
    it.each([
      ['SELF_SIGNED_CERT_IN_CHAIN', /is not signed by a CA in PRM_DATABASE_CA_FILE \(\/ca\.pem\)/],
      ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', /is not signed by a CA in PRM_DATABASE_CA_FILE/],
      ['CERT_HAS_EXPIRED', /outside its validity period/],
      ['ERR_TLS_CERT_ALTNAME_INVALID', /does not name db\.internal/],
    ])('explains %s with the setting to check', (code, expected) => {
      const cause = errorWithCode('driver says no', code);
      const err = explainMetadataTlsError(cause, { caFile: '/ca.pem' }, 'db.internal') as MetadataTlsError;
      expect(err).toBeInstanceOf(MetadataTlsError);
      expect(err.message).toMatch(/^metadata database TLS \(verify-full\): /);
      expect(err.message).toMatch(expected);
      expect(err.message).toMatch(/: driver says no$/);
      expect(err.cause).toBe(cause);
    });

    it("names Node's CA list without a CA file, and a server without TLS", () => {
      const untrusted = explainMetadataTlsError(errorWithCode('x', 'DEPTH_ZERO_SELF_SIGNED_CERT'), {}, 'h') as Error;
      expect(untrusted.message).toBe(
        "metadata database TLS (the URL sslmode): the server certificate of h is not signed by a CA in Node's " +
          'built-in list: x',
      );
      const plain = explainMetadataTlsError(
        new Error('The server does not support SSL connections'),
        {
          mode: 'require',
        },
        'h',
      ) as Error;
      expect(plain.message).toMatch(/^metadata database TLS \(require\): h does not accept TLS connections/);
    });

    it('returns other errors unchanged', () => {
      const refused = errorWithCode('connect ECONNREFUSED', 'ECONNREFUSED');
      expect(explainMetadataTlsError(refused, { caFile: '/ca.pem' }, 'h')).toBe(refused);
      expect(explainMetadataTlsError('text', undefined, 'h')).toBe('text');
    });
  });
});
