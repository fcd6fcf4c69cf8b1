import { type CallHandler, type ExecutionContext, Injectable, Logger, type NestInterceptor } from '@nestjs/common';
import { AuditRepository, type NewAuditRecord } from '@prm/persistence';
import type { Request, Response } from 'express';
import { type Observable, tap } from 'rxjs';
import { ApiErrorFilter } from '../http/api-error.filter.js';
import { redactForAudit } from './audit-redaction.js';

const CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** What the audit log needs of the authenticated caller (`req.user`, set by the AuthGuard). */
export interface AuditActor {
  name?: string;
  tokenName?: string;
}

/** `alice`, `alice (token ci-deploy)`, or `anonymous` before authentication: who did it, in the audit log and runs. */
export function actorOf(user: AuditActor | undefined): string {
  if (!user?.name) return 'anonymous';
  return user.tokenName ? `${user.name} (token ${user.tokenName})` : user.name;
}

/**
 * Records every request that can change something (POST, PUT, PATCH, DELETE) in the append-only audit log, with
 * actor, time, source IP, action (`METHOD /route`), subject, outcome and a redacted payload — refused and failed
 * attempts too. A failure to write the audit record is logged and never fails the request.
 */
@Injectable()
export class AuditInterceptor implements NestInterceptor {
  private readonly logger = new Logger(AuditInterceptor.name);
  private readonly errors = new ApiErrorFilter();

  constructor(private readonly audit: AuditRepository) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const req = context.switchToHttp().getRequest<Request & { id?: unknown; user?: AuditActor }>();
    if (!CHANGING.has(req.method)) return next.handle();
    const res = context.switchToHttp().getResponse<Response>();
    return next.handle().pipe(
      tap({
        next: (body: unknown) => this.record(req, res.statusCode, body),
        error: (err: unknown) => this.record(req, this.errors.toBody(err).statusCode, null),
      }),
    );
  }

  /** Appends one record for a changing request (no-op for reads); never throws. Also used by the AuthGuard. */
  record(req: Request & { id?: unknown; user?: AuditActor }, statusCode: number, body: unknown): void {
    if (!CHANGING.has(req.method)) return;
    const route = (req.route as { path?: string } | undefined)?.path ?? req.path;
    const createdId = typeof body === 'object' && body !== null ? (body as { id?: unknown }).id : undefined;
    const subject = req.params?.id ?? (typeof createdId === 'string' ? createdId : null);
    const entry: NewAuditRecord = {
      actor: actorOf(req.user),
      sourceIp: req.ip ?? null,
      action: `${req.method} ${route}`,
      subject: typeof subject === 'string' ? subject.slice(0, 200) : null,
      statusCode,
      outcome: statusCode < 400 ? 'succeeded' : statusCode < 500 ? 'refused' : 'failed',
      payload: redactForAudit({ ...(Object.keys(req.query ?? {}).length ? { query: req.query } : {}), body: req.body }),
      correlationId: typeof req.id === 'string' || typeof req.id === 'number' ? String(req.id) : null,
    };
    this.audit.append(entry).catch((err: unknown) => this.logger.error(`audit record lost: ${String(err)}`));
  }
}
