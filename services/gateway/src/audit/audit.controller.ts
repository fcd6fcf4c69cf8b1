import { Controller, Get, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { DomainError } from '@prm/contracts';
import { type AuditRecord, AuditRepository } from '@prm/persistence';
import { RequireRole } from '@prm/observability';

/** `GET /api/audit`: the audit log, newest first (admins only once authentication lands, issue 7). */
@ApiTags('audit')
@Controller('api/audit')
export class AuditController {
  constructor(private readonly audit: AuditRepository) {}

  @RequireRole('admin')
  @Get()
  @ApiOperation({ summary: 'Audit log, newest first; page with ?before=<id>; ?limit=1..500 (default 100)' })
  list(
    @Query('limit') limit?: string,
    @Query('before') before?: string,
    @Query('actor') actor?: string,
  ): Promise<AuditRecord[]> {
    const n = limit === undefined ? 100 : Number(limit);
    if (!Number.isInteger(n) || n < 1 || n > 500) {
      throw new DomainError('validation-failed', 'invalid audit query', [
        { field: 'limit', reason: 'limit must be 1..500' },
      ]);
    }
    if (before !== undefined && !/^\d{1,18}$/.test(before)) {
      throw new DomainError('validation-failed', 'invalid audit query', [
        { field: 'before', reason: 'before must be an audit event id' },
      ]);
    }
    return this.audit.list({ limit: n, before: before ?? null, actor: actor ?? null });
  }
}
