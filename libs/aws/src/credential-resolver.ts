import type { CredentialRef } from '@prm/contracts';
import type { CredentialResolver, ResolvedCredential } from '@prm/pg';

import { CredentialError } from './aws-errors.js';
import { RdsIamTokenSource } from './rds-iam.source.js';
import { SecretsManagerCredentialSource } from './secrets-manager.source.js';

/** Dependencies of {@link DefaultCredentialResolver}. */
export interface DefaultCredentialResolverDeps {
  /** The process environment as validated by the service (libs never read `process.env`). */
  env: Record<string, string | undefined>;
  /** Default: a source with SDK clients per region and the 5-minute cache. */
  secrets?: SecretsManagerCredentialSource;
  /** Default: a token source on the SDK's default credential chain. */
  iam?: RdsIamTokenSource;
}

/**
 * Resolves prm's credential references:
 * - `aws-secret` → Secrets Manager (region from the ARN), `username`/`password` of the RDS secret JSON;
 * - `rds-iam` → a fresh IAM token for the target host and port (the login must use TLS; `openClient` enforces it);
 * - `env` → `ref.user` and the value of the environment variable `ref.passwordEnv`.
 * `invalidate` drops a cached secret after a failed login so a rotated password is re-read.
 * @throws CredentialError with the classified cause (`env-credential-missing` names the variable, not a value).
 */
export class DefaultCredentialResolver implements CredentialResolver {
  private readonly env: Record<string, string | undefined>;
  private readonly secrets: SecretsManagerCredentialSource;
  private readonly iam: RdsIamTokenSource;

  constructor(deps: DefaultCredentialResolverDeps) {
    this.env = deps.env;
    this.secrets = deps.secrets ?? new SecretsManagerCredentialSource();
    this.iam = deps.iam ?? new RdsIamTokenSource();
  }

  async resolve(ref: CredentialRef, target: { host: string; port: number }): Promise<ResolvedCredential> {
    switch (ref.kind) {
      case 'aws-secret': {
        const s = await this.secrets.getCredentials(ref.secretArn);
        return { user: s.username, password: s.password };
      }
      case 'rds-iam':
        return {
          user: ref.user,
          password: await this.iam.getToken({
            host: target.host,
            port: target.port,
            user: ref.user,
            region: ref.region,
          }),
        };
      case 'env': {
        const password = this.env[ref.passwordEnv];
        if (password === undefined) {
          throw new CredentialError({
            code: 'env-credential-missing',
            message: `environment variable ${ref.passwordEnv} (password of ${ref.user}) is not set`,
            remedy: `Set ${ref.passwordEnv} in the environment of the prm services (local use only), or use an aws-secret credential`,
          });
        }
        return { user: ref.user, password };
      }
    }
  }

  invalidate(ref: CredentialRef): void {
    if (ref.kind === 'aws-secret') this.secrets.invalidate(ref.secretArn);
  }
}
