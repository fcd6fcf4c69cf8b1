import { type MigrationInterface, type QueryRunner } from 'typeorm';

/**
 * Accounts, sessions and API tokens. Secrets are never stored: passwords as bcrypt hashes, session ids, CSRF tokens
 * and API tokens as SHA-256 hashes (they are 256-bit random values, so a fast hash is enough).
 */
export class Access1765000000000 implements MigrationInterface {
  name = 'Access1765000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE prm_user (
        name text PRIMARY KEY CHECK (name ~ '^[A-Za-z0-9][A-Za-z0-9._@-]{0,63}$'),
        role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        password_hash text NOT NULL,
        disabled boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        last_login_at timestamptz
      )`);
    await q.query(`
      CREATE TABLE auth_session (
        id_hash text PRIMARY KEY,
        user_name text NOT NULL,
        role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        source text NOT NULL CHECK (source IN ('password', 'oidc')),
        csrf_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        last_seen_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query('CREATE INDEX auth_session_user_idx ON auth_session (user_name)');
    await q.query('CREATE INDEX auth_session_expires_idx ON auth_session (expires_at)');
    await q.query(`
      CREATE TABLE api_token (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL,
        token_hash text NOT NULL UNIQUE,
        prefix text NOT NULL,
        role text NOT NULL CHECK (role IN ('viewer', 'operator', 'admin')),
        created_by text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NOT NULL,
        revoked_at timestamptz,
        last_used_at timestamptz
      )`);
    await q.query('CREATE INDEX api_token_created_by_idx ON api_token (created_by)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE api_token');
    await q.query('DROP TABLE auth_session');
    await q.query('DROP TABLE prm_user');
  }
}
