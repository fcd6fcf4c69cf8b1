import { Signer, type SignerConfig } from '@aws-sdk/rds-signer';

import { classifyAwsError, CredentialError } from './aws-errors.js';

/** Options of {@link RdsIamTokenSource}. */
export interface RdsIamTokenSourceOptions {
  /** Credentials to sign with; default the SDK's default provider chain (the ECS task role). */
  credentials?: SignerConfig['credentials'];
  /** Builds the signer; for tests. Default `new Signer(config)`. */
  signerFactory?: (config: SignerConfig) => { getAuthToken(): Promise<string> };
}

/**
 * RDS IAM authentication tokens (`@aws-sdk/rds-signer`): a SigV4-presigned `rds-db:connect` URL used as the
 * password, valid 15 minutes, signed locally for one host, port, user and region. The server needs
 * `GRANT rds_iam TO <user>` and the login needs TLS; the role needs `rds-db:connect` on
 * `arn:aws:rds-db:<region>:<account>:dbuser:<DbiResourceId>/<user>` (RDS User Guide "Creating and using an IAM
 * policy for IAM database access"). A missing permission only shows at login (PAM authentication failed).
 */
export class RdsIamTokenSource {
  private readonly credentials: SignerConfig['credentials'];
  private readonly signerFactory: NonNullable<RdsIamTokenSourceOptions['signerFactory']>;

  constructor(opts: RdsIamTokenSourceOptions = {}) {
    this.credentials = opts.credentials;
    this.signerFactory = opts.signerFactory ?? ((config) => new Signer(config));
  }

  /**
   * @returns the token (the password for this one login).
   * @throws CredentialError `aws-error` when no AWS credentials are available to sign with.
   */
  async getToken(target: { host: string; port: number; user: string; region: string }): Promise<string> {
    try {
      return await this.signerFactory({
        hostname: target.host,
        port: target.port,
        username: target.user,
        region: target.region,
        ...(this.credentials ? { credentials: this.credentials } : {}),
      }).getAuthToken();
    } catch (err) {
      throw new CredentialError(
        classifyAwsError(err, {
          action: 'rds-db:connect',
          resource: `arn:aws:rds-db:${target.region}:<account>:dbuser:<DbiResourceId>/${target.user}`,
        }),
      );
    }
  }
}
