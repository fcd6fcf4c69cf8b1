import type { PgCause } from '@prm/contracts';
import { CausedError } from '@prm/pg';

import { classifyAwsError, type AwsErrorContext } from '../aws-errors.js';

/** A failure to read an endpoint's server log from AWS; `pgCause` names the missing permission or resource. */
export class LogSourceError extends CausedError {}

/**
 * Classifies an error of the RDS or CloudWatch Logs API: missing DB instance, log file or log group first (their
 * not-found faults are not secrets), everything else through {@link classifyAwsError} (AccessDenied → the IAM
 * action and resource, e.g. `rds:DownloadDBLogFilePortion` on `arn:aws:rds:<region>:<account>:db:<id>`).
 */
export function classifyAwsLogError(err: unknown, ctx: AwsErrorContext): PgCause {
  const name = typeof err === 'object' && err !== null ? String((err as { name?: unknown }).name ?? '') : '';
  const message = err instanceof Error ? err.message : String(err);
  switch (name.replace(/^.*#/, '')) {
    case 'DBInstanceNotFoundFault':
    case 'DBInstanceNotFound':
      return {
        code: 'aws-error',
        message: `${ctx.action}: DB instance not found (${ctx.resource}): ${message}`,
        remedy: "Check the endpoint's log source: the RDS DB instance identifier and its region",
      };
    case 'DBLogFileNotFoundFault':
      return {
        code: 'aws-error',
        message: `${ctx.action}: log file not found on ${ctx.resource}: ${message}`,
        remedy: 'The log file rotated out (rds.log_retention_period); prm continues with the next file',
      };
    case 'ResourceNotFoundException':
      return {
        code: 'aws-error',
        message: `${ctx.action}: log group not found (${ctx.resource}): ${message}`,
        remedy:
          'Publish the postgresql log to CloudWatch Logs (modify the DB instance: CloudwatchLogsExportConfiguration) or fix the log group name and region',
      };
  }
  return classifyAwsError(err, ctx);
}

/** `arn:aws:rds:<region>:<account>:db:<id>` (account unknown to prm: `*`), the resource named in IAM policies. */
export function rdsInstanceArn(region: string, instanceId: string): string {
  return `arn:aws:rds:${region}:*:db:${instanceId}`;
}

/** `arn:aws:logs:<region>:<account>:log-group:<name>:*` (account unknown to prm: `*`). */
export function logGroupArn(region: string, logGroup: string): string {
  return `arn:aws:logs:${region}:*:log-group:${logGroup}:*`;
}
