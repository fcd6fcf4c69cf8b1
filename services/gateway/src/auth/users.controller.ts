import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Req } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { DomainError } from '@prm/contracts';
import { RequireRole } from '@prm/observability';
import { type UserRecord, UserRepository } from '@prm/persistence';
import type { Request } from 'express';
import { CreateUserDto, UpdateUserDto, USER_NAME } from './auth.dto.js';
import { AuthService, type Principal } from './auth.service.js';
import { assertPasswordPolicy, hashPassword } from './passwords.js';

const LAST_ADMIN = 'prm needs at least one enabled admin: promote or enable another admin first';

/** Built-in accounts (admin only). Changing a user's role, password or state ends their sessions. */
@ApiTags('users')
@Controller('api/users')
export class UsersController {
  constructor(
    private readonly users: UserRepository,
    private readonly auth: AuthService,
  ) {}

  @RequireRole('admin')
  @Get()
  list(): Promise<UserRecord[]> {
    return this.users.list();
  }

  /** @throws DomainError `validation-failed` (password policy), `conflict` (name taken) */
  @RequireRole('admin')
  @Post()
  async create(@Body() dto: CreateUserDto): Promise<UserRecord> {
    assertPasswordPolicy(dto.password);
    const user = await this.users.create(dto.name, dto.role, await hashPassword(dto.password));
    if (!user) throw new DomainError('conflict', `user "${dto.name}" exists`, [{ field: 'name', reason: 'taken' }]);
    return user;
  }

  /** @throws DomainError `not-found`, `conflict` when no enabled admin would be left */
  @RequireRole('admin')
  @Patch(':name')
  async update(@Param('name') name: string, @Body() dto: UpdateUserDto): Promise<UserRecord> {
    checkName(name);
    if (dto.password !== undefined) assertPasswordPolicy(dto.password);
    const result = await this.users.update(name, {
      role: dto.role,
      disabled: dto.disabled,
      passwordHash: dto.password === undefined ? undefined : await hashPassword(dto.password),
    });
    if (result === 'not-found') throw new DomainError('not-found', `no user "${name}"`);
    if (result === 'last-admin') throw new DomainError('conflict', LAST_ADMIN);
    await this.auth.endSessionsOf(name);
    return result;
  }

  /** @throws DomainError `not-found`, `conflict` for the last enabled admin or oneself */
  @RequireRole('admin')
  @Delete(':name')
  @HttpCode(204)
  async remove(@Param('name') name: string, @Req() req: Request & { user: Principal }): Promise<void> {
    checkName(name);
    if (name === req.user.name) throw new DomainError('conflict', 'you cannot delete your own account');
    const result = await this.users.delete(name);
    if (result === 'not-found') throw new DomainError('not-found', `no user "${name}"`);
    if (result === 'last-admin') throw new DomainError('conflict', LAST_ADMIN);
    await this.auth.endSessionsOf(name);
  }
}

function checkName(name: string): void {
  if (!USER_NAME.test(name)) {
    throw new DomainError('validation-failed', 'name: not a valid user name', [{ field: 'name', reason: 'invalid' }]);
  }
}
