/**
 * Log paths pino censors. Anything that can hold a secret: HTTP auth headers and cookies, and any property named
 * like a password or token at the first three levels of a logged object. Source of truth for every service's logger.
 */
export const REDACTED_LOG_PATHS: string[] = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-amzn-oidc-data"]',
  'req.headers["x-amzn-oidc-accesstoken"]',
  'res.headers["set-cookie"]',
  ...['password', 'passwd', 'secret', 'token', 'conninfo', 'subconninfo', 'connectionString', 'sslpassword'].flatMap(
    (k) => [k, `*.${k}`, `*.*.${k}`],
  ),
];

export const REDACTION_CENSOR = '[redacted]';
