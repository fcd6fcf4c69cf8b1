import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, Matches, Max, Min, ValidateBy } from 'class-validator';

/** A property check whose message is what `problem(value, env)` returns; null means valid. */
function Check(name: string, problem: (value: unknown, env: CommonEnv) => string | null): PropertyDecorator {
  return ValidateBy({
    name,
    validator: {
      validate: (value: unknown, args?: { object: object }) => problem(value, args?.object as CommonEnv) === null,
      defaultMessage: (args?: { value: unknown; object: object }) =>
        problem(args?.value, args?.object as CommonEnv) ?? '',
    },
  });
}

/** TLS parameters of a postgres URL that would override PRM_DATABASE_SSL / PRM_DATABASE_CA_FILE in node-postgres. */
const URL_TLS_PARAMS = ['sslmode', 'ssl', 'sslrootcert', 'sslcert', 'sslkey'];

/** Why `path` cannot serve as the metadata store's CA bundle (unreadable, no PEM certificate, bad one), or null. */
function caFileProblem(path: string, mode: string | undefined): string | null {
  if (mode === 'disable' || mode === 'require') return `only used with PRM_DATABASE_SSL=verify-full (is ${mode})`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    return `cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? 'unreadable'})`;
  }
  const pems = text.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (pems.length === 0) return `${path} holds no PEM certificate (-----BEGIN CERTIFICATE-----)`;
  for (const [i, pem] of pems.entries()) {
    try {
      new X509Certificate(pem);
    } catch {
      return `${path}: certificate ${i + 1} of ${pems.length} cannot be parsed`;
    }
  }
  return null;
}

/** Environment every prm service reads (validated at start; see README "Configuration"). */
export class CommonEnv {
  /** prm's metadata store; the database is created when missing. */
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// URL' })
  @Check('urlWithoutTls', (url, env) => {
    if (!env.PRM_DATABASE_SSL && !env.PRM_DATABASE_CA_FILE) return null;
    const params = URL.canParse(String(url)) ? new URL(String(url)).searchParams : new URLSearchParams();
    const given = URL_TLS_PARAMS.filter((p) => params.has(p));
    return given.length === 0
      ? null
      : `must not carry ${given.join(', ')} when PRM_DATABASE_SSL or PRM_DATABASE_CA_FILE is set (they would override them)`;
  })
  PRM_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/prm';

  /**
   * TLS to the metadata store: `disable`, `require` (encrypted, the certificate is not checked) or `verify-full` (the
   * certificate must chain to PRM_DATABASE_CA_FILE, else Node's CA list, and name the URL's host). Default:
   * `verify-full` when PRM_DATABASE_CA_FILE is set, else the URL's `sslmode` (none: no TLS).
   */
  @IsOptional()
  @IsIn(['disable', 'require', 'verify-full'])
  PRM_DATABASE_SSL?: 'disable' | 'require' | 'verify-full';

  /** PEM file of the CAs trusted for the metadata store's certificate (e.g. the RDS global bundle); read at start. */
  @IsOptional()
  @Check('caFile', (path, env) => caFileProblem(String(path), env.PRM_DATABASE_SSL))
  PRM_DATABASE_CA_FILE?: string;

  /** Redis for BullMQ queues and the event bus. */
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** Namespace of prm's Redis keys and channels. */
  @Matches(/^[A-Za-z0-9_.:-]{1,80}$/, { message: 'must be 1-80 letters, digits, or . : - _' })
  PRM_REDIS_PREFIX = 'prm';

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL = 'info';

  /** Default AWS region for SDK clients when a reference does not carry one. */
  @IsOptional()
  @Matches(/^[a-z]{2}(-[a-z]+)+-\d$/, { message: 'must be an AWS region such as us-east-1' })
  AWS_REGION?: string;

  /** Endpoint override for AWS SDK clients (tests and VPC endpoints), e.g. http://127.0.0.1:4566. */
  @IsOptional()
  @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  PRM_AWS_ENDPOINT?: string;

  /**
   * Bound of a graceful shutdown after SIGTERM/SIGINT, ms: workers stop taking jobs and finish (or return) the
   * active ones, connections close; past it the process logs `shutdown timed out` and exits 1.
   */
  @Type(() => Number)
  @IsInt()
  @Min(1000)
  @Max(600_000)
  PRM_SHUTDOWN_TIMEOUT_MS = 10_000;
}
