import { type DynamicModule, Global, Module } from '@nestjs/common';
import { DefaultCredentialResolver } from './credential-resolver.js';
import { SecretsManagerCredentialSource, secretsManagerClientFactory } from './secrets-manager.source.js';

/** Injection token of the `CredentialResolver` (from @prm/pg) every service uses to log in to endpoints. */
export const CREDENTIAL_RESOLVER = Symbol('CREDENTIAL_RESOLVER');

export interface CredentialsModuleOptions {
  /** The process environment, for `env` references (local use only). */
  env: Record<string, string | undefined>;
  /** Default region (secret ARNs carry their own). */
  region?: string;
  /** AWS endpoint override (VPC endpoint, tests). */
  endpoint?: string;
}

/** Provides {@link CREDENTIAL_RESOLVER}: one resolver per process, so the Secrets Manager cache is shared. */
@Global()
@Module({})
export class CredentialsModule {
  static forRoot(options: CredentialsModuleOptions): DynamicModule {
    return {
      module: CredentialsModule,
      providers: [
        {
          provide: CREDENTIAL_RESOLVER,
          useFactory: () =>
            new DefaultCredentialResolver({
              env: options.env,
              secrets: new SecretsManagerCredentialSource({
                client: secretsManagerClientFactory(options.endpoint ? { endpoint: options.endpoint } : {}),
              }),
            }),
        },
      ],
      exports: [CREDENTIAL_RESOLVER],
    };
  }
}
