import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DomainError } from '@prm/contracts';
import { RequireRole } from '@prm/observability';
import { type ApiTokenRecord, ApiTokenRepository } from '@prm/persistence';
import type { Request } from 'express';
import { CreateTokenDto } from './auth.dto.js';
import { AuthService, type Principal } from './auth.service.js';
import { hashSecret, newApiToken } from './secrets.js';

/**
 * API tokens for automation: any signed-in user manages their own, admins see and revoke all. The secret is returned
 * once, at creation; only its SHA-256 is stored. A token's role cannot exceed its creator's.
 */
@ApiTags('tokens')
@Controller('api/tokens')
export class TokensController {
  constructor(
    private readonly tokens: ApiTokenRepository,
    private readonly auth: AuthService,
  ) {}

  @RequireRole('viewer')
  @Get()
  list(@Req() req: Request & { user: Principal }): Promise<ApiTokenRecord[]> {
    return this.tokens.list(req.user.role === 'admin' ? null : req.user.name);
  }

  /** @throws DomainError `validation-failed` when the role exceeds the caller's */
  @RequireRole('viewer')
  @Post()
  async create(
    @Req() req: Request & { user: Principal },
    @Body() dto: CreateTokenDto,
  ): Promise<ApiTokenRecord & { token: string }> {
    if (!this.auth.allows(req.user.role, dto.role)) {
      throw new DomainError('validation-failed', `role: cannot exceed your own role (${req.user.role})`, [
        { field: 'role', reason: `must be ${req.user.role} or weaker` },
      ]);
    }
    const token = newApiToken();
    const created = await this.tokens.create({
      name: dto.name,
      tokenHash: hashSecret(token),
      prefix: token.slice(0, 8),
      role: dto.role,
      createdBy: req.user.name,
      expiresAt: new Date(Date.now() + dto.expiresInDays * 86_400_000).toISOString(),
    });
    if (!created) throw new DomainError('conflict', 'token collision: try again');
    return { ...created, token };
  }

  /** Revokes at once on this gateway (others within seconds, see AuthService). */
  @RequireRole('viewer')
  @Delete(':id')
  @HttpCode(204)
  async revoke(@Req() req: Request & { user: Principal }, @Param('id', new ParseUUIDPipe()) id: string): Promise<void> {
    const token = await this.tokens.find(id);
    if (!token || (req.user.role !== 'admin' && token.createdBy !== req.user.name)) {
      throw new DomainError('not-found', `no token ${id}`);
    }
    const hash = await this.tokens.revoke(id);
    if (hash) this.auth.forgetToken(hash);
  }
}
