import {
  type CanActivate,
  type ExecutionContext,
  ForbiddenException,
  Injectable,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { ACCESS_RULE, type AccessRule } from '@prm/observability';
import type { Request } from 'express';
import { AuditInterceptor } from '../audit/audit.interceptor.js';
import { AuthService, type Principal } from './auth.service.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Global guard of every HTTP route: a route must carry `@Public()` or `@RequireRole(role)` (a route without a rule
 * is refused, so a forgotten decorator cannot open a hole); the caller is authenticated by {@link AuthService};
 * cookie-authenticated POST/PUT/PATCH/DELETE must carry the CSRF header. Refused changes are written to the audit
 * log here, because guards run before interceptors. Message-pattern handlers (the internal bus) are not HTTP and
 * pass.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  private readonly logger = new Logger(AuthGuard.name);

  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly audit: AuditInterceptor,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const req = context.switchToHttp().getRequest<Request & { user?: Principal }>();
    try {
      return await this.check(context, req);
    } catch (err) {
      const status = err instanceof UnauthorizedException ? 401 : err instanceof ForbiddenException ? 403 : 500;
      this.audit.record(req, status, null);
      throw err;
    }
  }

  private async check(context: ExecutionContext, req: Request & { user?: Principal }): Promise<boolean> {
    const rule = this.reflector.getAllAndOverride<AccessRule | undefined>(ACCESS_RULE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!rule) {
      this.logger.error(`refused ${req.method} ${req.path}: the route has no access rule (@Public or @RequireRole)`);
      throw new ForbiddenException('this route has no access rule');
    }
    if ('public' in rule) return true;
    const principal = await this.auth.authenticate(req);
    if (!principal)
      throw new UnauthorizedException('sign in first (session cookie or Authorization: Bearer <API token>)');
    req.user = principal;
    if (!SAFE_METHODS.has(req.method) && !this.auth.csrfValid(req, principal)) {
      throw new ForbiddenException('missing or wrong x-csrf-token header (reload the console)');
    }
    if (!this.auth.allows(principal.role, rule.role)) {
      throw new ForbiddenException(`requires the ${rule.role} role (you are ${principal.role})`);
    }
    return true;
  }
}
