import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// The image's entrypoint and health check, run for real: the entrypoint against a fake app dir whose main.js
// prints what it received, the health check against a local HTTP server.
const script = (name: string): string => fileURLToPath(new URL(`../docker/${name}`, import.meta.url));

function run(
  cmd: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; out: string; err: string }> {
  return new Promise((resolve) => {
    execFile(
      cmd,
      args,
      { env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env }, timeout: 10_000 },
      (e, out, err) => resolve({ code: e ? Number((e as { code?: number }).code ?? 1) : 0, out, err }),
    );
  });
}

describe('deploy/docker/entrypoint.sh', () => {
  let appDir: string;
  beforeAll(() => {
    appDir = mkdtempSync(join(tmpdir(), 'prm-entry-'));
    for (const svc of ['gateway', 'monitor', 'all-in-one']) {
      mkdirSync(join(appDir, 'dist/services', svc, 'src'), { recursive: true });
      writeFileSync(
        join(appDir, 'dist/services', svc, 'src/main.js'),
        `console.log(JSON.stringify({ svc: '${svc}', argv: process.argv.slice(2), db: process.env.PRM_DATABASE_URL,` +
          ` redis: process.env.REDIS_URL, leaked: Object.keys(process.env).filter((k) => /PASSWORD|TOKEN/.test(k)) }));`,
      );
    }
  });
  afterAll(() => rmSync(appDir, { recursive: true, force: true }));

  it('execs the main of the service named by PRM_SERVICE with the arguments', async () => {
    const r = await run('sh', [script('entrypoint.sh'), '--flag'], { PRM_APP_DIR: appDir, PRM_SERVICE: 'monitor' });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ svc: 'monitor', argv: ['--flag'], leaked: [] });
  });

  it('refuses an unknown or missing PRM_SERVICE with exit 64 and the allowed names', async () => {
    for (const env of [{ PRM_SERVICE: 'worker' }, {}] as Record<string, string>[]) {
      const r = await run('sh', [script('entrypoint.sh')], { PRM_APP_DIR: appDir, ...env });
      expect(r.code).toBe(64);
      expect(r.err).toContain('PRM_SERVICE must be one of gateway, config, monitor');
    }
  });

  it('puts PRM_DATABASE_PASSWORD and PRM_REDIS_AUTH_TOKEN into the URLs and drops them from the environment', async () => {
    const r = await run('sh', [script('entrypoint.sh')], {
      PRM_APP_DIR: appDir,
      PRM_SERVICE: 'gateway',
      PRM_DATABASE_URL: 'postgres://prm@db.internal:5432/prm?sslmode=no-verify',
      PRM_DATABASE_PASSWORD: 'Abc123xyz',
      REDIS_URL: 'rediss://redis.internal:6379',
      PRM_REDIS_AUTH_TOKEN: 'tok-EN_9',
    });
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({
      svc: 'gateway',
      argv: [],
      db: 'postgres://prm:Abc123xyz@db.internal:5432/prm?sslmode=no-verify',
      redis: 'rediss://:tok-EN_9@redis.internal:6379',
      leaked: [],
    });
  });

  it('refuses a password that would need URL escaping, or a URL that already has one, without printing it', async () => {
    const base = { PRM_APP_DIR: appDir, PRM_SERVICE: 'all-in-one' };
    const odd = await run('sh', [script('entrypoint.sh')], {
      ...base,
      PRM_DATABASE_URL: 'postgres://prm@db:5432/prm',
      PRM_DATABASE_PASSWORD: 'se/cr@t',
    });
    expect(odd.code).toBe(64);
    expect(odd.err).toContain('PRM_DATABASE_PASSWORD may hold only');
    expect(odd.err).not.toContain('se/cr@t');
    const twice = await run('sh', [script('entrypoint.sh')], {
      ...base,
      REDIS_URL: 'redis://:old@redis:6379',
      PRM_REDIS_AUTH_TOKEN: 'new',
    });
    expect(twice.code).toBe(64);
    expect(twice.err).toContain('already carries a password');
  });
});

describe('deploy/docker/healthcheck.mjs', () => {
  let server: Server;
  let port: number;
  const answers: Record<string, number> = { '/health/live': 200, '/health/ready': 503 };
  beforeAll(async () => {
    server = createServer((req, res) => res.writeHead(answers[req.url ?? ''] ?? 404).end('{}'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('exits 0 when /health/live answers 200 on PRM_PORT', async () => {
    expect((await run(process.execPath, [script('healthcheck.mjs')], { PRM_PORT: String(port) })).code).toBe(0);
  });

  it('exits 1 on a non-2xx answer, naming the status', async () => {
    const r = await run(process.execPath, [script('healthcheck.mjs'), 'ready'], { PRM_PORT: String(port) });
    expect(r.code).toBe(1);
    expect(r.err).toContain('/health/ready answered 503');
  });

  it('exits 1 when nothing listens, and 2 on an unknown probe', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const freePort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect((await run(process.execPath, [script('healthcheck.mjs')], { PRM_PORT: String(freePort) })).code).toBe(1);
    expect((await run(process.execPath, [script('healthcheck.mjs'), 'deep'], { PRM_PORT: String(port) })).code).toBe(2);
  });
});

describe('deploy/docker/rds-ca-bundle.mjs (the image build’s RDS CA bundle)', () => {
  let dir: string;
  let server: HttpsServer;
  let base: string;
  const openssl = (args: string[]) => run('openssl', args, {}).then((r) => expect(r.err).not.toMatch(/error/i));
  const cert = (name: string, subject: string, ext: string[] = []) =>
    openssl(
      ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '30'].concat(
        ['-keyout', join(dir, `${name}.key`), '-out', join(dir, `${name}.pem`), '-subj', subject],
        ext,
      ),
    );
  const bundle = (file: string, ...args: string[]) =>
    run(process.execPath, [script('rds-ca-bundle.mjs'), join(dir, file), ...args], {
      NODE_EXTRA_CA_CERTS: join(dir, 'tls.pem'),
    });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'prm-rds-ca-'));
    await cert('rds', '/C=US/O=Amazon Web Services, Inc./OU=Amazon RDS/CN=Amazon RDS test Root CA');
    await cert('foreign', '/CN=Some Other CA');
    await cert('leaf', '/OU=Amazon RDS/CN=db.example', ['-addext', 'basicConstraints=critical,CA:FALSE']);
    await cert('tls', '/CN=127.0.0.1', ['-addext', 'subjectAltName=IP:127.0.0.1']);
    const rdsPem = readFileSync(join(dir, 'rds.pem'));
    server = createHttpsServer(
      { key: readFileSync(join(dir, 'tls.key')), cert: readFileSync(join(dir, 'tls.pem')) },
      (req, res) => {
        if (req.url === '/global-bundle.pem') res.writeHead(200).end(rdsPem);
        else if (req.url === '/moved') res.writeHead(302, { location: '/global-bundle.pem' }).end();
        else res.writeHead(404).end('<html>not found</html>');
      },
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps a bundle already in deploy/certs without downloading (the URL is never reached)', async () => {
    const r = await bundle('rds.pem', 'https://127.0.0.1:1/unreachable.pem');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/1 Amazon RDS CA certificates \(0 expired\), kept from deploy\/certs, sha256 [0-9a-f]{64}/);
  });

  it('fetches the bundle over HTTPS when absent, checks it and writes it', async () => {
    const r = await bundle('fetched.pem', `${base}/global-bundle.pem`);
    expect(r.err).toBe('');
    expect(r.out).toContain(`fetched from ${base}/global-bundle.pem`);
    expect(readFileSync(join(dir, 'fetched.pem'), 'utf8')).toBe(readFileSync(join(dir, 'rds.pem'), 'utf8'));
  });

  it('stops the build on a foreign CA, a leaf certificate or an error page, naming the certificate', async () => {
    const foreign = await bundle('foreign.pem');
    expect(foreign.code).toBe(1);
    expect(foreign.err).toContain('certificate 1 is not an Amazon RDS CA: CN=Some Other CA');
    const leaf = await bundle('leaf.pem');
    expect(leaf.err).toContain('certificate 1 is not a CA certificate');
    writeFileSync(join(dir, 'page.pem'), '<html>captive portal</html>');
    expect((await bundle('page.pem')).err).toContain('no PEM certificate in it');
  });

  it('refuses plain HTTP, redirects, error answers and unreachable hosts, and writes nothing', async () => {
    expect((await bundle('a.pem', 'http://127.0.0.1:1/x.pem')).err).toContain('HTTPS only');
    expect((await bundle('b.pem', `${base}/moved`)).err).toContain(`GET ${base}/moved failed`);
    expect((await bundle('c.pem', `${base}/nope.pem`)).err).toContain('answered 404');
    const down = await bundle('d.pem', 'https://127.0.0.1:1/x.pem');
    expect(down.code).toBe(1);
    expect(down.err).toContain('GET https://127.0.0.1:1/x.pem failed');
    for (const f of ['a.pem', 'b.pem', 'c.pem', 'd.pem']) expect(existsSync(join(dir, f))).toBe(false);
  });
});
