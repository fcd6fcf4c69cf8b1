/**
 * AWS error → missing IAM permission. Error names are the `__type` of AWS JSON protocol errors (Secrets Manager API
 * reference, "Errors" of GetSecretValue); the AccessDenied message format is IAM's ("User: <arn> is not authorized
 * to perform: <action> on resource: <arn> because ...", IAM User Guide "Troubleshoot access denied error messages").
 */
import type { PgCause } from '@prm/contracts';
import { CausedError } from '@prm/pg';

/** A failure to obtain a database credential; `pgCause` says what is missing. Never carries the secret. */
export class CredentialError extends CausedError {}

/** What was being attempted: the IAM action (e.g. `secretsmanager:GetSecretValue`) and resource ARN. */
export interface AwsErrorContext {
  action: string;
  resource: string;
}

interface AwsErrorFacts {
  name: string;
  message: string;
  code?: string;
}

function factsOf(err: unknown): AwsErrorFacts {
  if (typeof err !== 'object' || err === null) return { name: 'Error', message: String(err) };
  const e = err as { name?: unknown; message?: unknown; code?: unknown; __type?: unknown };
  const rawName = typeof e.name === 'string' ? e.name : typeof e.__type === 'string' ? e.__type : 'Error';
  return {
    // `__type` may be namespaced: `com.amazonaws.secretsmanager#AccessDeniedException`.
    name: rawName.replace(/^.*#/, ''),
    message: typeof e.message === 'string' ? e.message : String(err),
    code: typeof e.code === 'string' ? e.code : undefined,
  };
}

/** Parses IAM's "is not authorized to perform: X on resource: Y" message. */
export function parseAccessDenied(message: string): { principal?: string; action?: string; resource?: string } {
  const principal = /User: (\S+) is not authorized/.exec(message)?.[1];
  const m = /is not authorized to perform: (\S+?)(?: on resource: (\S+?))?(?:\s+(?:because|with)\b|[.,]?$|\s)/.exec(
    message,
  );
  return { principal, action: m?.[1], resource: m?.[2] };
}

/** The region of an ARN (`arn:<partition>:<service>:<region>:<account>:...`), or null. */
export function regionOfArn(arn: string): string | null {
  const parts = arn.split(':');
  return parts.length >= 6 && parts[0] === 'arn' && parts[3] ? parts[3] : null;
}

function policyStatement(action: string, resource: string, condition?: Record<string, unknown>): string {
  return JSON.stringify({
    Effect: 'Allow',
    Action: action,
    Resource: resource,
    ...(condition ? { Condition: condition } : {}),
  });
}

/**
 * Classifies an AWS SDK (or credential provider) error into a {@link PgCause}:
 * - `AccessDeniedException` → `aws-access-denied` with `iamAction`/`iamResource` parsed from the message (else from
 *   `ctx`) and a remedy quoting the policy statement to add (or the explicit Deny to remove);
 * - `DecryptionFailure`, or an AccessDenied that mentions KMS → `kms-decrypt-denied` (`kms:Decrypt`, with the
 *   `kms:ViaService` condition for Secrets Manager in the secret's region);
 * - `ResourceNotFoundException` (or a secret marked for deletion) → `secret-not-found`;
 * - `CredentialsProviderError`, expired/invalid credentials, throttling, network errors → `aws-error`.
 */
export function classifyAwsError(err: unknown, ctx: AwsErrorContext): PgCause {
  if (err instanceof CausedError) return err.pgCause;
  const f = factsOf(err);
  const region = regionOfArn(ctx.resource);
  const kms = f.name === 'DecryptionFailure' || (/AccessDenied/.test(f.name) && /\bKMS\b/i.test(f.message));
  if (kms) {
    const parsed = parseAccessDenied(f.message);
    const keyArn =
      parsed.resource?.startsWith('arn:') && parsed.resource.includes(':kms:') ? parsed.resource : undefined;
    const via = `secretsmanager.${region ?? '<region>'}.amazonaws.com`;
    return {
      code: 'kms-decrypt-denied',
      message: `cannot decrypt ${ctx.resource}: ${f.message}`,
      remedy: `Allow kms:Decrypt on the secret's KMS key for prm's task role, in the role policy ${policyStatement('kms:Decrypt', keyArn ?? '<KMS key ARN of the secret>', { StringEquals: { 'kms:ViaService': via } })} and in the key policy (a customer managed key must name the role)`,
      iamAction: 'kms:Decrypt',
      iamResource: keyArn ?? `KMS key of ${ctx.resource}`,
    };
  }
  switch (f.name) {
    case 'AccessDeniedException':
    case 'AccessDenied': {
      const parsed = parseAccessDenied(f.message);
      const action = parsed.action ?? ctx.action;
      const resource = parsed.resource ?? ctx.resource;
      const who = parsed.principal ?? "prm's task role";
      const remedy = /explicit deny/i.test(f.message)
        ? `Remove the explicit Deny of ${action} on ${resource} for ${who} (identity policy, permissions boundary, SCP or resource policy)`
        : `Add to the IAM policy of ${who}: ${policyStatement(action, resource)}`;
      return { code: 'aws-access-denied', message: f.message, remedy, iamAction: action, iamResource: resource };
    }
    case 'ResourceNotFoundException':
      return {
        code: 'secret-not-found',
        message: `${ctx.resource}: ${f.message}`,
        remedy: `Check the secret ARN (account and region ${region ?? '?'}) on the endpoint; the secret may have been deleted`,
      };
    case 'InvalidRequestException':
      if (/deletion|deleted/i.test(f.message)) {
        return {
          code: 'secret-not-found',
          message: `${ctx.resource}: ${f.message}`,
          remedy: `The secret is scheduled for deletion: restore it (aws secretsmanager restore-secret --secret-id ${ctx.resource}) or point the endpoint at another secret`,
        };
      }
      break;
    case 'CredentialsProviderError':
      return {
        code: 'aws-error',
        message: `no AWS credentials for ${ctx.action}: ${f.message}`,
        remedy:
          'Give the ECS task definition a taskRoleArn (prm uses the default credential chain); locally set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY',
      };
    case 'ExpiredTokenException':
    case 'UnrecognizedClientException':
    case 'InvalidSignatureException':
    case 'IncompleteSignature':
      return {
        code: 'aws-error',
        message: `${f.name}: ${f.message}`,
        remedy:
          'The AWS credentials prm uses are expired or invalid: check the task role / profile and the clock of the host',
      };
    case 'ThrottlingException':
    case 'TooManyRequestsException':
      return {
        code: 'aws-error',
        message: `${f.name}: ${f.message}`,
        remedy: 'AWS throttled the call: it is retried; raise the credential cache TTL if it persists',
      };
  }
  if (f.code && /^(ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|ECONNRESET|EHOSTUNREACH)$/.test(f.code)) {
    return {
      code: 'aws-error',
      message: `cannot reach the AWS endpoint for ${ctx.action}: ${f.message}`,
      remedy: 'Check outbound access from prm to the AWS API (NAT gateway or a VPC interface endpoint for the service)',
    };
  }
  return {
    code: 'aws-error',
    message: `${ctx.action} on ${ctx.resource} failed: ${f.name}: ${f.message}`,
    remedy: 'See the AWS error; check the region of the resource and prm’s IAM permissions',
  };
}
