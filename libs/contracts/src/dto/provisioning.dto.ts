import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  ValidateNested,
} from 'class-validator';
import { CredentialRefDto } from './endpoint.dto.js';

/**
 * Names prm gives the objects it creates: a regular SQL identifier (letter or underscore, then letters, digits, _ or
 * $; at most 63 bytes), so DBAs never have to quote them in psql. They are still quoted in every statement.
 */
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_$]{0,62}$/;
/** One part of a table name: a regular identifier, or a double-quoted one (`""` for a quote inside, no NUL). */
const PART = '(?:[A-Za-z_][A-Za-z0-9_$]{0,62}|"(?:[^"\\0]|"")+")';
/** `table` or `schema.table`; the server resolves it and libs/pg splits and re-quotes it. */
const QUALIFIED = new RegExp(`^${PART}(?:\\.${PART})?$`);

/** `WITH (...)` options of the subscription; absent = the server default (and what the target version supports). */
export class SubscriptionOptionsDto {
  /** Copy existing rows first (initial table sync). Default true. */
  @IsOptional()
  @IsBoolean()
  copyData?: boolean;

  /** `streaming` of in-progress transactions: off, on (PG14+), parallel (PG16+). */
  @IsOptional()
  @IsIn(['off', 'on', 'parallel'], { message: 'streaming must be off, on or parallel' })
  streaming?: 'off' | 'on' | 'parallel';

  /** Binary transfer (PG14+). */
  @IsOptional()
  @IsBoolean()
  binary?: boolean;

  /** Disable the subscription on an apply error instead of retrying (PG15+). */
  @IsOptional()
  @IsBoolean()
  disableOnError?: boolean;

  /** `origin`: `none` skips changes that came from another subscription (PG16+, loops). */
  @IsOptional()
  @IsIn(['any', 'none'], { message: 'origin must be any or none' })
  origin?: 'any' | 'none';
}

/** The stream to create (POST /api/streams, SQS ingress, preflight). */
export class CreateStreamDto {
  @IsUUID('all', { message: 'sourceEndpointId must be an endpoint id' })
  sourceEndpointId: string;

  @IsUUID('all', { message: 'targetEndpointId must be an endpoint id' })
  targetEndpointId: string;

  /**
   * Login the subscription uses to connect to the source (stored in the target's catalog): `aws-secret` (or `env`
   * for local use). `rds-iam` is refused: its 15-minute tokens cannot live in a CONNECTION string.
   */
  @ValidateNested()
  @Type(() => CredentialRefDto)
  replicationCredential: CredentialRefDto;

  /** Tables to publish (`schema.table`); absent = every ordinary table of the source outside system schemas. */
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(5000)
  @IsString({ each: true })
  @Matches(QUALIFIED, {
    each: true,
    message: 'each table must be table or schema.table (double-quote parts that need it)',
  })
  tables?: string[];

  /** Default `prm_<source name>_pub` (derived, shortened to 63 bytes). */
  @IsOptional()
  @Matches(IDENTIFIER, {
    message: 'publicationName must be a plain identifier: a letter or _, then letters, digits, _ or $ (at most 63)',
  })
  publicationName?: string;

  /** Reuse an existing publication of that name (prm will never drop it). Default false. */
  @IsOptional()
  @IsBoolean()
  useExistingPublication?: boolean;

  /** Default `prm_<source>_to_<target>`; also the replication slot name. */
  @IsOptional()
  @Matches(IDENTIFIER, {
    message: 'subscriptionName must be a plain identifier: a letter or _, then letters, digits, _ or $ (at most 63)',
  })
  subscriptionName?: string;

  @IsOptional()
  @ValidateNested()
  @Type(() => SubscriptionOptionsDto)
  options?: SubscriptionOptionsDto;
}

/** An SQS ingress message: a create request with its request id (the idempotency key). */
export class StreamRequestMessageDto {
  @IsString()
  @Matches(/^[A-Za-z0-9_.:-]{1,128}$/, { message: 'requestId must be 1-128 of letters, digits, . _ : -' })
  requestId: string;

  @IsIn(['create-stream'], { message: 'type must be create-stream' })
  type: 'create-stream';

  @ValidateNested()
  @Type(() => CreateStreamDto)
  stream: CreateStreamDto;
}

/** Rotation of a stream's replication credential (`ALTER SUBSCRIPTION ... CONNECTION`). */
export class RotateCredentialsDto {
  /** The new reference; absent = re-read the stream's current one (the secret was rotated in place). */
  @IsOptional()
  @ValidateNested()
  @Type(() => CredentialRefDto)
  replicationCredential?: CredentialRefDto;
}

/** `Idempotency-Key` header: 1-128 visible ASCII characters. */
export const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,128}$/;

/** Max length of an SQS DLQ reason, characters. */
export const DLQ_REASON_MAX = 4000;
