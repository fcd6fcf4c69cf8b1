import { type DynamicModule, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AuditInterceptor } from '../audit/audit.interceptor.js';
import { AuthController } from './auth.controller.js';
import type { AuthEnv } from './auth.env.js';
import { AuthGuard } from './auth.guard.js';
import { AUTH_SETTINGS, AuthService } from './auth.service.js';
import { LOGIN_LIMITER_OPTIONS, LoginLimiter } from './login-limiter.js';
import { OidcFlow } from './oidc-flow.service.js';
import { TokensController } from './tokens.controller.js';
import { UsersController } from './users.controller.js';

/**
 * Authentication and authorization of the gateway: the global {@link AuthGuard} (every route needs `@Public()` or
 * `@RequireRole`), sign-in (built-in, OIDC, ALB), sessions, users and API tokens. Needs PersistenceModule.
 */
@Module({})
export class AuthModule {
  static forRoot(settings: AuthEnv, redis: { url: string; prefix: string }): DynamicModule {
    return {
      module: AuthModule,
      controllers: [AuthController, UsersController, TokensController],
      providers: [
        { provide: AUTH_SETTINGS, useValue: settings },
        AuthService,
        OidcFlow,
        {
          provide: LOGIN_LIMITER_OPTIONS,
          useValue: {
            redisUrl: redis.url,
            prefix: redis.prefix,
            attemptsPerMinute: settings.PRM_LOGIN_ATTEMPTS_PER_MINUTE,
          },
        },
        LoginLimiter,
        AuditInterceptor,
        { provide: APP_GUARD, useClass: AuthGuard },
      ],
      exports: [AuthService, AUTH_SETTINGS],
    };
  }
}
