import {
  IsBoolean,
  IsIn,
  IsISO8601,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import type { ApiErrorDetail } from '../api.js';
import {
  ALERT_KINDS,
  type AlertKind,
  CHANNEL_KINDS,
  type ChannelConfig,
  type ChannelKind,
  type SecretRef,
} from '../alert.js';
import { DomainError } from '../errors.js';

/** Body of `POST /api/alerts/:id/ack`. */
export class AckAlertDto {
  /** Who acknowledges (shown on the alert); default `console`. */
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  by?: string;
}

/**
 * Body of `POST /api/silences`. Either `alertId` (silence that alert's kind + subject) or `kind` and/or `subjectId`;
 * until `until` (ISO) or for `minutes`. At least one matcher and one duration are required (checked by the service).
 */
export class CreateSilenceDto {
  @IsOptional()
  @IsString()
  alertId?: string;

  @IsOptional()
  @IsIn(ALERT_KINDS, { message: `kind must be one of ${ALERT_KINDS.join(', ')}` })
  kind?: AlertKind;

  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(400)
  subjectId?: string;

  @IsOptional()
  @IsISO8601({ strict: true }, { message: 'until must be an ISO 8601 time' })
  until?: string;

  /** Silence length in minutes (1 minute to 90 days). */
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(90 * 24 * 60)
  minutes?: number;

  @IsString()
  @MinLength(1, { message: 'reason is required' })
  @MaxLength(1000)
  reason: string;

  @IsOptional()
  @IsString()
  @MaxLength(200)
  createdBy?: string;
}

/** Body of `POST /api/channels`; `config` is checked per kind by {@link validateChannelConfig}. */
export class CreateChannelDto {
  @IsString()
  @Matches(/^[^\0]{1,100}$/, { message: 'name must be 1-100 characters' })
  name: string;

  @IsIn(CHANNEL_KINDS, { message: `kind must be one of ${CHANNEL_KINDS.join(', ')}` })
  kind: ChannelKind;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @IsObject({ message: 'config must be an object' })
  config: Record<string, unknown>;
}

/** Body of `PATCH /api/channels/:id`: any of name, enabled, config (the kind cannot change). */
export class UpdateChannelDto {
  @IsOptional()
  @IsString()
  @Matches(/^[^\0]{1,100}$/, { message: 'name must be 1-100 characters' })
  name?: string;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @IsOptional()
  @IsObject({ message: 'config must be an object' })
  config?: Record<string, unknown>;
}

const HTTP_URL = /^https?:\/\/[^\s/$.?#][^\s]*$/i;
const SNS_TOPIC = /^arn:aws[a-z-]*:sns:[a-z]{2}(-[a-z]+)+-\d:\d{12}:[A-Za-z0-9_-]{1,256}(\.fifo)?$/;
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z]{2}(-[a-z]+)+-\d:\d{12}:secret:\S+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;
const EMAIL = /^[^\s@<>]+@[^\s@<>]+$/;

function secretRef(value: unknown, field: string, problems: ApiErrorDetail[]): SecretRef | null | undefined {
  if (value === undefined || value === null) return value;
  if (typeof value !== 'object' || Array.isArray(value)) {
    problems.push({ field, reason: 'must be a secret reference { kind: "env" | "aws-secret", ... }, never a value' });
    return undefined;
  }
  const v = value as Record<string, unknown>;
  if (v.kind === 'env' && typeof v.name === 'string' && ENV_NAME.test(v.name) && Object.keys(v).length === 2) {
    return { kind: 'env', name: v.name };
  }
  if (v.kind === 'aws-secret' && typeof v.secretArn === 'string' && SECRET_ARN.test(v.secretArn)) {
    const extra = Object.keys(v).filter((k) => !['kind', 'secretArn', 'field'].includes(k));
    if (extra.length === 0 && (v.field === undefined || (typeof v.field === 'string' && v.field.length > 0))) {
      return v.field
        ? { kind: 'aws-secret', secretArn: v.secretArn, field: v.field as string }
        : { kind: 'aws-secret', secretArn: v.secretArn };
    }
  }
  problems.push({
    field,
    reason:
      'must be { kind: "env", name: "<ENV_VAR>" } or { kind: "aws-secret", secretArn: "arn:aws:secretsmanager:...", field?: "..." }',
  });
  return undefined;
}

/**
 * Checks a channel's `config` for `kind` and returns the typed, normalized config (unknown fields refused).
 * Throws `DomainError('validation-failed')` with one detail per bad field (`config.<field>`).
 */
export function validateChannelConfig(kind: ChannelKind, config: Record<string, unknown>): ChannelConfig {
  const problems: ApiErrorDetail[] = [];
  const allowed: Record<ChannelKind, string[]> = {
    webhook: ['url', 'secret'],
    slack: ['url'],
    sns: ['topicArn'],
    email: ['host', 'port', 'secure', 'user', 'password', 'from', 'to'],
  };
  for (const k of Object.keys(config)) {
    if (k !== 'kind' && !allowed[kind].includes(k))
      problems.push({ field: `config.${k}`, reason: `unknown field ${k}` });
  }
  const url = (field: string): string => {
    const v = config[field];
    if (typeof v !== 'string' || !HTTP_URL.test(v) || v.length > 2000) {
      problems.push({ field: `config.${field}`, reason: 'must be an http(s) URL' });
      return '';
    }
    return v;
  };
  let out: ChannelConfig;
  switch (kind) {
    case 'webhook': {
      const secret = secretRef(config.secret, 'config.secret', problems);
      out = { kind, url: url('url'), ...(secret ? { secret } : {}) };
      break;
    }
    case 'slack':
      out = { kind, url: url('url') };
      break;
    case 'sns': {
      const arn = config.topicArn;
      if (typeof arn !== 'string' || !SNS_TOPIC.test(arn)) {
        problems.push({
          field: 'config.topicArn',
          reason: 'must be an SNS topic ARN arn:aws:sns:<region>:<account>:<name>',
        });
      }
      out = { kind, topicArn: String(arn) };
      break;
    }
    case 'email': {
      const { host, port, secure, user, from, to } = config;
      if (typeof host !== 'string' || !/^[A-Za-z0-9.:[\]-]{1,253}$/.test(host)) {
        problems.push({ field: 'config.host', reason: 'must be an SMTP host name or address' });
      }
      if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) {
        problems.push({ field: 'config.port', reason: 'must be a port 1-65535' });
      }
      if (secure !== undefined && typeof secure !== 'boolean') {
        problems.push({ field: 'config.secure', reason: 'must be a boolean' });
      }
      if (user !== undefined && user !== null && (typeof user !== 'string' || user.length === 0 || user.length > 200)) {
        problems.push({ field: 'config.user', reason: 'must be a user name' });
      }
      if (typeof from !== 'string' || !EMAIL.test(from)) {
        problems.push({ field: 'config.from', reason: 'must be an e-mail address' });
      }
      if (
        !Array.isArray(to) ||
        to.length === 0 ||
        to.length > 50 ||
        !to.every((t) => typeof t === 'string' && EMAIL.test(t))
      ) {
        problems.push({ field: 'config.to', reason: 'must be 1-50 e-mail addresses' });
      }
      const password = secretRef(config.password, 'config.password', problems);
      out = {
        kind,
        host: String(host),
        port: Number(port),
        secure: secure === true,
        user: typeof user === 'string' ? user : null,
        password: password ?? null,
        from: String(from),
        to: Array.isArray(to) ? (to as string[]) : [],
      };
      break;
    }
  }
  if (problems.length > 0) throw new DomainError('validation-failed', 'channel config is invalid', problems);
  return out;
}
