import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

// docker-compose.yml, parsed with YAML merge keys (`<<:`) resolved as docker compose resolves them.
type Service = {
  image?: string;
  build?: { context: string; dockerfile: string };
  command?: string | string[];
  entrypoint?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[]; interval?: string; retries?: number };
  depends_on?: Record<string, { condition: string }>;
  ports?: string[];
  volumes?: string[];
};
const read = (path: string): { services: Record<string, Service> } =>
  parse(readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8'), { merge: true }) as {
    services: Record<string, Service>;
  };

const PRM_SERVICES = ['gateway', 'config', 'monitor', 'provisioner', 'migrator', 'alerter'];
const DEMO_DBS = ['demo-publisher', 'demo-replica-a', 'demo-replica-b'];

describe('docker-compose.yml', () => {
  const { services } = read('docker-compose.yml');

  it('runs Redis, the metadata PostgreSQL 17, three demo databases, the demo init and every prm service', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['redis', 'metadata-db', ...DEMO_DBS, 'demo-init', ...PRM_SERVICES].sort(),
    );
    expect(services['metadata-db']!.image).toMatch(/^postgres:17\b/);
  });

  it.each(PRM_SERVICES)('%s: the one prm image, its PRM_SERVICE, required env, health check, healthy deps', (name) => {
    const svc = services[name]!;
    expect(svc.image).toBe('${PRM_IMAGE:-prm:local}');
    expect(svc.build).toEqual({ context: '.', dockerfile: 'deploy/Dockerfile' });
    expect(svc.command).toBeUndefined(); // the image's entrypoint picks the service from PRM_SERVICE
    const env = svc.environment!;
    expect(env.PRM_SERVICE).toBe(name);
    expect(env.PRM_DATABASE_URL).toMatch(
      /^postgres:\/\/prm:\$\{PRM_METADATA_DB_PASSWORD:-[^}]+\}@metadata-db:5432\/prm$/,
    );
    expect(env.REDIS_URL).toBe('redis://redis:6379');
    expect(env.PRM_REDIS_PREFIX).toBeTruthy();
    expect(Number(env.PRM_PORT)).toBeGreaterThan(0);
    expect(svc.healthcheck?.test).toEqual(['CMD', 'node', '/app/deploy/docker/healthcheck.mjs', 'live']);
    expect(svc.depends_on?.['metadata-db']).toEqual({ condition: 'service_healthy' });
    expect(svc.depends_on?.redis).toEqual({ condition: 'service_healthy' });
    expect(Object.values(svc.depends_on ?? {}).every((d) => d.condition === 'service_healthy')).toBe(true);
  });

  it('gives each prm service its own port and publishes only the gateway (console) on 127.0.0.1:8080', () => {
    const ports = PRM_SERVICES.map((n) => services[n]!.environment!.PRM_PORT);
    expect(new Set(ports).size).toBe(PRM_SERVICES.length);
    expect(services.gateway!.environment!.PRM_PORT).toBe('8080');
    expect(services.gateway!.ports).toEqual(['127.0.0.1:8080:8080']);
    for (const n of PRM_SERVICES.filter((x) => x !== 'gateway')) expect(services[n]!.ports).toBeUndefined();
  });

  it.each(DEMO_DBS)('%s: PostgreSQL with wal_level=logical, slots and WAL senders, and a health check', (name) => {
    const svc = services[name]!;
    expect(svc.image).toMatch(/^postgres:1[5-8]\b/);
    expect(svc.command).toBe('postgres -c wal_level=logical -c max_replication_slots=10 -c max_wal_senders=10');
    expect(svc.healthcheck?.test).toEqual(['CMD', 'pg_isready', '-U', 'postgres', '-d', 'demo']);
  });

  it('runs the demo init once the demo databases are healthy, with the SQL from deploy/compose', () => {
    const init = services['demo-init']!;
    expect(init.entrypoint).toEqual(['sh', '/init/demo-init.sh']);
    expect(init.volumes).toEqual(['./deploy/compose:/init:ro']);
    for (const db of DEMO_DBS) expect(init.depends_on?.[db]).toEqual({ condition: 'service_healthy' });
    expect(services.redis!.healthcheck?.test).toEqual(['CMD', 'redis-cli', 'ping']);
  });

  it('takes every password from an environment variable reference with a placeholder default', () => {
    const text = readFileSync(new URL('../../docker-compose.yml', import.meta.url), 'utf8');
    const passwords = [...text.matchAll(/(PASSWORD|PGPASSWORD)[A-Z_]*: (.+)$/gm)].map((m) => m[2]!);
    expect(passwords.length).toBeGreaterThanOrEqual(4);
    for (const p of passwords) expect(p).toMatch(/^\$\{PRM_[A-Z_]+:-[a-z-]+-local-only\}$/);
    const urls = [...text.matchAll(/postgres:\/\/[^:]+:([^@]+)@/g)].map((m) => m[1]!);
    for (const p of urls) expect(p).toMatch(/^\$\{PRM_[A-Z_]+:-[a-z-]+-local-only\}$/);
  });
});

describe('deploy/compose/docker-compose.dev.yml', () => {
  it('runs the make-dev loop from deploy/Dockerfile.dev against the compose Redis and metadata DB', () => {
    const { services } = read('deploy/compose/docker-compose.dev.yml');
    const dev = services.dev!;
    expect(dev.build).toEqual({ context: '.', dockerfile: 'deploy/Dockerfile.dev' });
    expect(dev.environment?.REDIS_URL).toBe('redis://redis:6379');
    expect(dev.ports).toEqual(['127.0.0.1:3000:3000', '127.0.0.1:4200:4200']);
    expect(dev.healthcheck?.test).toEqual(['CMD', 'node', '/work/deploy/docker/healthcheck.mjs', 'live']);
    expect(dev.depends_on).toEqual({
      'metadata-db': { condition: 'service_healthy' },
      redis: { condition: 'service_healthy' },
    });
  });
});
