import { BullModule } from '@nestjs/bullmq';
import {
  Controller,
  Get,
  Header,
  HttpCode,
  Injectable,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  Param,
  ParseUUIDPipe,
  Post,
  Req,
  Res,
} from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  DomainError,
  MIGRATION_MAX_SQL_BYTES,
  type MigrationPreview,
  type MigrationRunSummary,
  type MigrationRunView,
  QueueName,
  SubmitMigrationDto,
  validatePayload,
} from '@prm/contracts';
import { MigrationSubmitService, decodeScriptBytes } from '@prm/migrator-service';
import { MigrationRunRepository } from '@prm/persistence';
import bodyParser from 'body-parser';
import type { Request, Response } from 'express';
import { migrationReportMarkdown } from './migration-report.js';
import { type AuditActor, actorOf } from '../audit/audit.interceptor.js';
import { RequireRole } from '@prm/observability';

/** Content types accepted as a raw script upload (options then come from the query string). */
export const SQL_CONTENT_TYPES = ['text/plain', 'application/sql', 'text/x-sql', 'application/octet-stream'];

/**
 * Reads a submission from either a JSON body (`SubmitMigrationDto`) or a raw upload (`text/plain`,
 * `application/sql`: the bytes are the script, checked as UTF-8; `name`, `targets` (comma-separated),
 * `includePrimaries`, `dryRun`, `lockTimeoutMs`, `statementTimeoutMs` from the query string).
 * @throws DomainError `validation-failed` (400) for invalid UTF-8, a script over 1 MiB or bad fields.
 */
export function readSubmission(req: Request): SubmitMigrationDto {
  if (Buffer.isBuffer(req.body)) {
    const q = req.query as Record<string, string | undefined>;
    const bool = (v: string | undefined) => (v === undefined ? undefined : v === 'true' || v === '1');
    const payload: Record<string, unknown> = { name: q.name, sql: decodeScriptBytes(req.body) };
    if (q.targets !== undefined) payload.targets = q.targets.split(',').filter((x) => x !== '');
    for (const k of ['includePrimaries', 'dryRun'] as const) if (q[k] !== undefined) payload[k] = bool(q[k]);
    for (const k of ['lockTimeoutMs', 'statementTimeoutMs'] as const) if (q[k] !== undefined) payload[k] = q[k];
    return validatePayload(SubmitMigrationDto, payload);
  }
  return validatePayload(SubmitMigrationDto, req.body);
}

/** Run reports (history, detail, downloads). */
@Injectable()
export class MigrationReportsService {
  constructor(private readonly runs: MigrationRunRepository) {}

  list(): Promise<MigrationRunSummary[]> {
    return this.runs.list(200);
  }

  /** @throws DomainError `not-found` */
  async get(id: string): Promise<MigrationRunView> {
    const run = await this.runs.findById(id);
    if (!run) throw new DomainError('not-found', `no migration run with id ${id}`);
    return run;
  }
}

@ApiTags('migrations')
@Controller('api/migrations')
export class MigrationsController {
  constructor(
    private readonly submitter: MigrationSubmitService,
    private readonly reports: MigrationReportsService,
  ) {}

  @RequireRole('admin')
  @Post('preview')
  @HttpCode(200)
  @ApiOperation({ summary: 'Statements (lines, class, non-transactional), targets in order and warnings' })
  preview(@Req() req: Request): Promise<MigrationPreview> {
    return this.submitter.preview(readSubmission(req));
  }

  @RequireRole('admin')
  @Post()
  @ApiOperation({ summary: 'Queue a migration run (409 with the active run id while one is queued or running)' })
  submit(@Req() req: Request & { user?: AuditActor }): Promise<MigrationRunSummary> {
    // the run records who submitted it as the audit log does (`alice`, `alice (token ci)`)
    return this.submitter.submit(readSubmission(req), actorOf(req.user));
  }

  @RequireRole('viewer')
  @Get()
  @ApiOperation({ summary: 'History of runs, newest first' })
  list(): Promise<MigrationRunSummary[]> {
    return this.reports.list();
  }

  @RequireRole('viewer')
  @Get(':id')
  @ApiOperation({ summary: 'A run with its per-target steps' })
  get(@Param('id', ParseUUIDPipe) id: string): Promise<MigrationRunView> {
    return this.reports.get(id);
  }

  @RequireRole('viewer')
  @Get(':id/report.json')
  @Header('Content-Type', 'application/json; charset=utf-8')
  async reportJson(@Param('id', ParseUUIDPipe) id: string, @Res() res: Response): Promise<void> {
    const run = await this.reports.get(id);
    res.setHeader('Content-Disposition', `attachment; filename="migration-${run.id}.json"`);
    res.send(JSON.stringify(run, null, 2));
  }

  @RequireRole('viewer')
  @Get(':id/report.md')
  async reportMarkdown(@Param('id', ParseUUIDPipe) id: string, @Res() res: Response): Promise<void> {
    const run = await this.reports.get(id);
    res.setHeader('Content-Type', 'text/markdown; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="migration-${run.id}.md"`);
    res.send(migrationReportMarkdown(run));
  }
}

/**
 * The migrations API. Raw script uploads are parsed here (bytes, ≤ 1 MiB + 1 KiB) so the UTF-8 check sees the
 * bytes; JSON bodies go through the app's JSON parser (limit `PRM_MAX_BODY_BYTES`).
 */
@Module({
  imports: [BullModule.registerQueue({ name: QueueName.Migrations })],
  controllers: [MigrationsController],
  providers: [MigrationSubmitService, MigrationReportsService],
})
export class GatewayMigrationsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply(bodyParser.raw({ type: SQL_CONTENT_TYPES, limit: MIGRATION_MAX_SQL_BYTES + 1024 }))
      .forRoutes('api/migrations', 'api/migrations/preview');
  }
}
