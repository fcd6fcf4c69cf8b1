import { readFileSync } from 'node:fs';
import { RDS_CA_BUNDLE_PATH } from '../cdk/lib/prm-stack.js';
import { lintDockerfile, parseDockerfile } from './dockerfile-lint.js';

// hadolint is not packaged for Debian 12 (`apt-cache policy hadolint`: no candidate), so its rules that matter for
// prm's images are checked here; the last test feeds the checker a bad Dockerfile so it cannot pass vacuously.
const read = (name: string): string => readFileSync(new URL(`../${name}`, import.meta.url), 'utf8');

describe('deploy/Dockerfile (production image)', () => {
  const text = read('Dockerfile');
  const instructions = parseDockerfile(text);
  const runtime = instructions.filter((i) => i.stage === Math.max(...instructions.map((x) => x.stage)));
  const argsOf = (keyword: string) => runtime.filter((i) => i.keyword === keyword).map((i) => i.args);

  it('passes the hadolint rules that matter', () => {
    expect(lintDockerfile(text, { requireHealthcheck: true })).toEqual([]);
  });

  it('is multi-stage: build (npm ci + npm run build), production deps (npm ci --omit=dev), runtime', () => {
    const froms = instructions.filter((i) => i.keyword === 'FROM').map((i) => i.args);
    expect(froms).toEqual([
      '${NODE_IMAGE} AS build',
      '${NODE_IMAGE} AS prod-deps',
      '${NODE_IMAGE} AS certs',
      '${NODE_IMAGE} AS runtime',
    ]);
    expect(text).toMatch(/^ARG NODE_IMAGE=node:20\.\d+\.\d+-bookworm-slim$/m);
    const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((r) => r.startsWith('npm ci ') && !r.includes('--omit=dev'))).toBe(true);
    expect(runs.some((r) => r.startsWith('npm run build'))).toBe(true);
    expect(runs.some((r) => r.includes('npm ci --omit=dev'))).toBe(true);
  });

  it('ships only production node_modules, package.json, dist (without libs/testing, scripts), the two scripts and the certs', () => {
    const copies = argsOf('COPY').map((a) => a.replace(/--chown=\S+ /, ''));
    expect(copies).toEqual([
      '--from=prod-deps /src/node_modules ./node_modules',
      '--from=build /src/package.json ./package.json',
      '--from=build /src/dist ./dist',
      'deploy/docker/entrypoint.sh deploy/docker/healthcheck.mjs ./deploy/docker/',
      '--from=certs /certs/ ./certs/',
    ]);
    expect(text).toContain('rm -rf dist/libs/testing dist/scripts');
  });

  it('puts the checked RDS CA bundle where the CDK stack points PRM_DATABASE_CA_FILE (deploy/certs copy first)', () => {
    expect(argsOf('WORKDIR')).toEqual(['/app']);
    const file = RDS_CA_BUNDLE_PATH.replace(/^\/app\/certs\//, '');
    expect(RDS_CA_BUNDLE_PATH).toBe(`/app/certs/${file}`);
    const certs = instructions.filter((i) => i.stage === 2);
    expect(certs.map((i) => `${i.keyword} ${i.args}`)).toEqual([
      'FROM ${NODE_IMAGE} AS certs',
      'ARG RDS_CA_BUNDLE_URL=https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem',
      'WORKDIR /certs',
      'COPY deploy/certs/ ./',
      'COPY deploy/docker/rds-ca-bundle.mjs /usr/local/lib/',
      `RUN node /usr/local/lib/rds-ca-bundle.mjs /certs/${file} "\${RDS_CA_BUNDLE_URL}"`,
    ]);
    const readme = read('certs/README.md');
    expect(readme).toContain(`\`${file}\``);
    expect(readme).toContain(`-o deploy/certs/${file}`);
  });

  it('runs as uid 10001 under tini with NODE_ENV=production, SIGTERM and a node health check on /health/live', () => {
    expect(argsOf('USER')).toEqual(['10001:10001']);
    expect(runtime.find((i) => i.keyword === 'RUN')?.args).toContain('useradd --system --uid 10001');
    expect(argsOf('ENV').join(' ')).toContain('NODE_ENV=production');
    expect(argsOf('STOPSIGNAL')).toEqual(['SIGTERM']);
    expect(argsOf('HEALTHCHECK')[0]).toMatch(/CMD \["node", "\/app\/deploy\/docker\/healthcheck\.mjs", "live"\]$/);
    expect(JSON.parse(argsOf('ENTRYPOINT')[0]!)).toEqual(['/usr/bin/tini', '--', '/app/deploy/docker/entrypoint.sh']);
  });
});

describe('deploy/Dockerfile.dev (development container)', () => {
  it('passes the same rules', () => {
    expect(lintDockerfile(read('Dockerfile.dev'), { requireHealthcheck: true })).toEqual([]);
  });
});

describe('lintDockerfile', () => {
  it('reports each broken rule of a bad Dockerfile', () => {
    const bad = [
      'FROM node',
      'FROM debian:latest AS x',
      'WORKDIR app',
      'RUN apt-get update && apt-get install -y curl',
      'RUN cd /tmp && sudo ls | wc -l',
      'RUN npm install',
      'ADD . /app',
      'COPY . /app',
      'USER root',
      'CMD node main.js',
    ].join('\n');
    const rules = lintDockerfile(bad, { requireHealthcheck: true }).map((f) => f.rule);
    expect(rules.sort()).toEqual(
      ['DL3006', 'DL3007', 'DL3000', 'DL3015', 'DL3009', 'DL3008', 'DL3003', 'DL3004', 'DL4006', 'PRM001', 'DL3020']
        .concat(['PRM002', 'DL3025', 'DL3002', 'PRM004'])
        .sort(),
    );
  });

  it('reports ENTRYPOINT before the non-root USER and a missing USER', () => {
    const early = 'FROM node:20.20.2-bookworm-slim\nENTRYPOINT ["node"]\nUSER 10001\n';
    expect(lintDockerfile(early, { requireHealthcheck: false }).map((f) => f.rule)).toEqual(['DL3002']);
    expect(lintDockerfile('FROM node:20.20.2-bookworm-slim\nCMD ["node"]\n', { requireHealthcheck: false })).toEqual([
      { rule: 'DL3002', line: 0, message: 'final stage has no USER (runs as root)' },
    ]);
  });
});
