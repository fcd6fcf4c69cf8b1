import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
  type ValidationOptions,
  registerDecorator,
} from 'class-validator';
import {
  CLOUDS,
  type Cloud,
  ENDPOINT_ROLES,
  type EndpointRole,
  LOG_SOURCE_KINDS,
  type LogSourceKind,
  type LogSourceRef,
  SSL_MODES,
  type SslMode,
} from '../endpoint.js';
import { type ApiErrorDetail } from '../api.js';
import { DomainError } from '../errors.js';

/** Secrets Manager secret ARN: `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>`. */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** RFC 1123 host name or IPv4/IPv6 literal; no spaces, quotes or URL syntax. */
const HOST =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^\d{1,3}(\.\d{1,3}){3}$|^[0-9A-Fa-f:]+$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;
const LABEL = /^[\w .:/-]{1,64}$/;

/**
 * At most `max` UTF-8 bytes: PostgreSQL truncates identifiers such as database names at NAMEDATALEN - 1 = 63 bytes,
 * not characters (`MaxLength` counts UTF-16 code units).
 */
export function MaxBytes(max: number, options?: ValidationOptions): PropertyDecorator {
  return (target: object, propertyName: string | symbol) =>
    registerDecorator({
      name: 'maxBytes',
      target: target.constructor,
      propertyName: String(propertyName),
      constraints: [max],
      options: { message: `$property must be at most ${max} bytes in UTF-8`, ...options },
      validator: { validate: (value: unknown) => typeof value !== 'string' || Buffer.byteLength(value, 'utf8') <= max },
    });
}

export class CredentialRefDto {
  @IsIn(['aws-secret', 'rds-iam', 'env'], { message: 'kind must be one of aws-secret, rds-iam, env' })
  kind: 'aws-secret' | 'rds-iam' | 'env';

  @IsOptional()
  @Matches(SECRET_ARN, { message: 'secretArn must be a Secrets Manager secret ARN (arn:aws:secretsmanager:...)' })
  secretArn?: string;

  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(63)
  user?: string;

  @IsOptional()
  @Matches(AWS_REGION, { message: 'region must be an AWS region such as us-east-1' })
  region?: string;

  @IsOptional()
  @Matches(ENV_NAME, { message: 'passwordEnv must be an environment variable name (A-Z, 0-9, _)' })
  passwordEnv?: string;
}

/** Absolute path without NUL (PostgreSQL's `log_directory`/`log_filename` on prm's host), at most 4096 bytes. */
const ABSOLUTE_PATH = /^\/[^\0]{0,4095}$/;
/** RDS DB instance identifier: 1-63 letters, digits, hyphens; starts with a letter; no `--`, no trailing hyphen. */
const RDS_INSTANCE_ID = /^[A-Za-z](?!.*--)[A-Za-z0-9-]{0,62}(?<!-)$/;
/** CloudWatch Logs log group name (CreateLogGroup: 1-512 of `[.\-_/#A-Za-z0-9]`). */
const LOG_GROUP = /^[.\-_/#A-Za-z0-9]{1,512}$/;

/** `logSource` of an endpoint (see `LogSourceRef`); which fields apply depends on `kind`. */
export class LogSourceRefDto {
  @IsIn(LOG_SOURCE_KINDS, { message: `kind must be one of ${LOG_SOURCE_KINDS.join(', ')}` })
  kind: LogSourceKind;

  @IsOptional()
  @IsString()
  @Matches(ABSOLUTE_PATH, { message: 'path must be an absolute file path (starting with /, no NUL byte)' })
  path?: string;

  @IsOptional()
  @IsIn(['jsonlog', 'csvlog'], { message: 'format must be jsonlog or csvlog' })
  format?: 'jsonlog' | 'csvlog';

  @IsOptional()
  @Matches(RDS_INSTANCE_ID, {
    message: 'instanceId must be an RDS DB instance identifier (1-63 letters, digits, hyphens; starts with a letter)',
  })
  instanceId?: string;

  @IsOptional()
  @Matches(LOG_GROUP, { message: 'logGroup must be a CloudWatch Logs log group name (letters, digits, . - _ / #)' })
  logGroup?: string;

  @IsOptional()
  @Matches(AWS_REGION, { message: 'region must be an AWS region such as us-east-1' })
  region?: string;
}

/**
 * Checks the fields each log source kind needs (and refuses the ones it does not use) and returns the typed
 * reference. Throws `DomainError('validation-failed')` naming `logSource.<field>`.
 */
export function toLogSourceRef(dto: LogSourceRefDto): LogSourceRef {
  const need: Record<LogSourceKind, (keyof LogSourceRefDto)[]> = {
    file: ['path', 'format'],
    rds: ['instanceId', 'region'],
    cloudwatch: ['logGroup', 'region'],
    none: [],
  };
  const wanted = need[dto.kind];
  const details: ApiErrorDetail[] = [];
  for (const f of ['path', 'format', 'instanceId', 'logGroup', 'region'] as const) {
    const present = dto[f] !== undefined && dto[f] !== null && dto[f] !== '';
    if (wanted.includes(f) && !present)
      details.push({ field: `logSource.${f}`, reason: `${f} is required for kind ${dto.kind}` });
    if (!wanted.includes(f) && present)
      details.push({ field: `logSource.${f}`, reason: `${f} is not used by kind ${dto.kind}` });
  }
  if (details.length > 0) throw new DomainError('validation-failed', 'invalid log source', details);
  switch (dto.kind) {
    case 'file':
      return { kind: 'file', path: dto.path as string, format: dto.format as 'jsonlog' | 'csvlog' };
    case 'rds':
      return { kind: 'rds', instanceId: dto.instanceId as string, region: dto.region as string };
    case 'cloudwatch':
      return { kind: 'cloudwatch', logGroup: dto.logGroup as string, region: dto.region as string };
    case 'none':
      return { kind: 'none' };
  }
}

/** Body of `POST /api/endpoints`. Units: `port` is a TCP port. */
export class CreateEndpointDto {
  @IsString()
  @Matches(/^[a-z0-9][a-z0-9_.-]{0,62}$/, {
    message: 'name must be 1-63 characters: lower-case letters, digits, dot, dash, underscore',
  })
  name: string;

  @IsString()
  @Matches(HOST, { message: 'host must be a DNS name or an IP address' })
  host: string;

  @Type(() => Number)
  @IsInt({ message: 'port must be an integer' })
  @Min(1, { message: 'port must be between 1 and 65535' })
  @Max(65535, { message: 'port must be between 1 and 65535' })
  port: number;

  @IsString({ message: 'dbname must be a string' })
  @IsNotEmpty({ message: 'dbname must not be empty' })
  @MaxBytes(63, { message: 'dbname must be at most 63 bytes (NAMEDATALEN - 1)' })
  dbname: string;

  @IsIn(SSL_MODES, { message: `sslmode must be one of ${SSL_MODES.join(', ')}` })
  sslmode: SslMode = 'prefer';

  @IsIn(CLOUDS, { message: `cloud must be one of ${CLOUDS.join(', ')}` })
  cloud: Cloud;

  @IsOptional()
  @Matches(LABEL, { message: 'region must be 1-64 characters of letters, digits, space, . : / - _' })
  region?: string | null;

  @IsOptional()
  @Matches(LABEL, { message: 'network must be 1-64 characters of letters, digits, space, . : / - _' })
  network?: string | null;

  @IsIn(ENDPOINT_ROLES, { message: `role must be one of ${ENDPOINT_ROLES.join(', ')}` })
  role: EndpointRole;

  @IsDefined({ message: 'credential is required' })
  @ValidateNested()
  @Type(() => CredentialRefDto)
  credential: CredentialRefDto;

  /** Where prm reads the server log; default `{ kind: 'none' }`. */
  @IsOptional()
  @ValidateNested()
  @Type(() => LogSourceRefDto)
  logSource?: LogSourceRefDto;
}

/** Body of `PATCH /api/endpoints/:id`: any subset of the create fields. */
export class UpdateEndpointDto {
  @IsOptional()
  @Matches(/^[a-z0-9][a-z0-9_.-]{0,62}$/, {
    message: 'name must be 1-63 characters: lower-case letters, digits, dot, dash, underscore',
  })
  name?: string;

  @IsOptional()
  @Matches(HOST, { message: 'host must be a DNS name or an IP address' })
  host?: string;

  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'port must be an integer' })
  @Min(1, { message: 'port must be between 1 and 65535' })
  @Max(65535, { message: 'port must be between 1 and 65535' })
  port?: number;

  @IsOptional()
  @IsString({ message: 'dbname must be a string' })
  @IsNotEmpty({ message: 'dbname must not be empty' })
  @MaxBytes(63, { message: 'dbname must be at most 63 bytes (NAMEDATALEN - 1)' })
  dbname?: string;

  @IsOptional()
  @IsIn(SSL_MODES, { message: `sslmode must be one of ${SSL_MODES.join(', ')}` })
  sslmode?: SslMode;

  @IsOptional()
  @IsIn(CLOUDS, { message: `cloud must be one of ${CLOUDS.join(', ')}` })
  cloud?: Cloud;

  @IsOptional()
  @Matches(LABEL, { message: 'region must be 1-64 characters of letters, digits, space, . : / - _' })
  region?: string | null;

  @IsOptional()
  @Matches(LABEL, { message: 'network must be 1-64 characters of letters, digits, space, . : / - _' })
  network?: string | null;

  @IsOptional()
  @IsIn(ENDPOINT_ROLES, { message: `role must be one of ${ENDPOINT_ROLES.join(', ')}` })
  role?: EndpointRole;

  @IsOptional()
  @ValidateNested()
  @Type(() => CredentialRefDto)
  credential?: CredentialRefDto;

  @IsOptional()
  @ValidateNested()
  @Type(() => LogSourceRefDto)
  logSource?: LogSourceRefDto;
}
