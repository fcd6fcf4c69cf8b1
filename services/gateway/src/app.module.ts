import { type DynamicModule, Module } from '@nestjs/common';
import { type CommonEnv, coreImports } from '@prm/observability';
import type { AuthEnv } from './auth/auth.env.js';
import type { GatewayEnv } from './env.js';
import { GatewayModule } from './gateway.module.js';

/** Composition root of the gateway when it runs alone. */
@Module({})
export class GatewayAppModule {
  static forRoot(common: CommonEnv, env: GatewayEnv, auth: AuthEnv): DynamicModule {
    return {
      module: GatewayAppModule,
      imports: [
        ...coreImports(common, 'gateway'),
        GatewayModule.forRoot({
          consoleDir: env.PRM_CONSOLE_DIR,
          auth,
          redis: { url: common.REDIS_URL, prefix: common.PRM_REDIS_PREFIX },
        }),
      ],
    };
  }
}
