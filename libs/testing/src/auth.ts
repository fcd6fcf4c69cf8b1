/**
 * A fixed admin API token for tests: pass {@link testAuthEnv} to the prm process (it stores the token hashed at
 * start, PRM_BOOTSTRAP_API_TOKEN) and send {@link TEST_AUTH_HEADER} with every API request.
 */
export const TEST_ADMIN_TOKEN = `prm_${'test-admin-token-'.padEnd(43, 'x')}`;

/** `Authorization` header value carrying {@link TEST_ADMIN_TOKEN}. */
export const TEST_AUTH_HEADER = `Bearer ${TEST_ADMIN_TOKEN}`;

/** First admin account of test runs (browser tests sign in with it). */
export const TEST_ADMIN = { user: 'admin', password: 'test-admin-password-1' } as const;

/**
 * Environment for a prm process under test: the bootstrap admin token, the first admin account, and a sign-in rate
 * limit high enough for suites that sign in often. Cookies follow PRM_COOKIE_SECURE=auto (no Secure flag on
 * http://127.0.0.1).
 */
export function testAuthEnv(): Record<string, string> {
  return {
    PRM_BOOTSTRAP_API_TOKEN: TEST_ADMIN_TOKEN,
    PRM_ADMIN_USER: TEST_ADMIN.user,
    PRM_ADMIN_PASSWORD: TEST_ADMIN.password,
    PRM_LOGIN_ATTEMPTS_PER_MINUTE: '1000',
  };
}
