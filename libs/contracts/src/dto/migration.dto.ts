import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { MIGRATION_DEFAULT_LOCK_TIMEOUT_MS, MIGRATION_DEFAULT_STATEMENT_TIMEOUT_MS } from '../migration.js';

/**
 * Body of `POST /api/migrations` and `POST /api/migrations/preview`. `sql` is checked for size (≤ 1 MiB of UTF-8)
 * and well-formed Unicode by the service. Timeouts in ms.
 */
export class SubmitMigrationDto {
  @IsString()
  @Matches(/^[\w .:/()#,+-]{1,120}$/, {
    message: 'name must be 1-120 characters: letters, digits, space and . : / ( ) # , + - _',
  })
  name: string;

  @IsString()
  @MaxLength(2_000_000)
  sql: string;

  /** Endpoint ids in run order; default: every replica endpoint ordered by name. */
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(500)
  @IsUUID('all', { each: true, message: 'targets must be endpoint ids' })
  targets?: string[];

  /** A primary in `targets` is only accepted with this flag. */
  @IsOptional()
  @IsBoolean()
  includePrimaries?: boolean = false;

  @IsOptional()
  @IsBoolean()
  dryRun?: boolean = false;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  lockTimeoutMs?: number = MIGRATION_DEFAULT_LOCK_TIMEOUT_MS;

  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(0)
  @Max(86_400_000)
  statementTimeoutMs?: number = MIGRATION_DEFAULT_STATEMENT_TIMEOUT_MS;
}

/** Job payload of queue `migrations`: the run to execute (everything else is in `migration_run`). */
export interface MigrationJobData {
  runId: string;
}
