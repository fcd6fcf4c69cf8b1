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
} from 'class-validator';
import { CLOUDS, type Cloud, ENDPOINT_ROLES, type EndpointRole, SSL_MODES, type SslMode } from '../endpoint.js';

/** Secrets Manager secret ARN: `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>`. */
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$/;
const AWS_REGION = /^[a-z]{2}(-[a-z]+)+-\d$/;
/** RFC 1123 host name or IPv4/IPv6 literal; no spaces, quotes or URL syntax. */
const HOST =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$|^\d{1,3}(\.\d{1,3}){3}$|^[0-9A-Fa-f:]+$/;
const ENV_NAME = /^[A-Z_][A-Z0-9_]{0,127}$/;
const LABEL = /^[\w .:/-]{1,64}$/;

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

  @IsString()
  @IsNotEmpty()
  @MaxLength(63, { message: 'dbname must be at most 63 bytes (NAMEDATALEN - 1)' })
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
  @IsString()
  @IsNotEmpty()
  @MaxLength(63, { message: 'dbname must be at most 63 bytes (NAMEDATALEN - 1)' })
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
}
