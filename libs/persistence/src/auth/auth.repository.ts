import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';

/**
 * Runs `UPDATE/DELETE ... RETURNING` inside `WITH x AS (...) SELECT * FROM x`: TypeORM's postgres driver answers a
 * bare UPDATE/DELETE with `[rows, affected]` (or other shapes inside transactions), a SELECT always with rows.
 */
const returning = (statement: string): string => `WITH changed AS (${statement}) SELECT * FROM changed`;

/** A role as stored (same names as `Role` in @prm/observability; kept local so persistence depends on nothing). */
export type StoredRole = 'viewer' | 'operator' | 'admin';

/** A built-in account (table `prm_user`); the bcrypt hash stays inside the repository unless asked for. */
export interface UserRecord {
  name: string;
  role: StoredRole;
  disabled: boolean;
  createdAt: string;
  lastLoginAt: string | null;
}

interface UserRow {
  name: string;
  role: StoredRole;
  password_hash: string;
  disabled: boolean;
  created_at: Date;
  last_login_at: Date | null;
}

const toUser = (r: UserRow): UserRecord => ({
  name: r.name,
  role: r.role,
  disabled: r.disabled,
  createdAt: r.created_at.toISOString(),
  lastLoginAt: r.last_login_at?.toISOString() ?? null,
});

/** Built-in accounts (`prm_user`). Names are case-sensitive and unique. */
@Injectable()
export class UserRepository {
  constructor(private readonly dataSource: DataSource) {}

  async list(): Promise<UserRecord[]> {
    const rows: UserRow[] = await this.dataSource.query('SELECT * FROM prm_user ORDER BY name');
    return rows.map(toUser);
  }

  async find(name: string): Promise<UserRecord | null> {
    const rows: UserRow[] = await this.dataSource.query('SELECT * FROM prm_user WHERE name = $1', [name]);
    return rows[0] ? toUser(rows[0]) : null;
  }

  /** The account with its bcrypt hash, for the login check only. */
  async findWithHash(name: string): Promise<(UserRecord & { passwordHash: string }) | null> {
    const rows: UserRow[] = await this.dataSource.query('SELECT * FROM prm_user WHERE name = $1', [name]);
    return rows[0] ? { ...toUser(rows[0]), passwordHash: rows[0].password_hash } : null;
  }

  /** Inserts an account; returns null when the name is taken (unique violation). */
  async create(name: string, role: StoredRole, passwordHash: string): Promise<UserRecord | null> {
    const rows: UserRow[] = await this.dataSource.query(
      `INSERT INTO prm_user (name, role, password_hash) VALUES ($1, $2, $3)
       ON CONFLICT (name) DO NOTHING RETURNING *`,
      [name, role, passwordHash],
    );
    return rows[0] ? toUser(rows[0]) : null;
  }

  /**
   * Changes role, password hash and/or disabled flag in one statement that refuses to leave no enabled admin
   * (checked in the same statement, under a table lock, so two admins demoting each other cannot both succeed).
   * @returns the account, `'not-found'`, or `'last-admin'` when the change would leave no enabled admin
   */
  async update(
    name: string,
    change: { role?: StoredRole; passwordHash?: string; disabled?: boolean },
  ): Promise<UserRecord | 'not-found' | 'last-admin'> {
    return this.dataSource
      .transaction(async (m) => {
        await m.query('LOCK TABLE prm_user IN SHARE ROW EXCLUSIVE MODE');
        const rows: UserRow[] = await m.query(
          returning(`UPDATE prm_user SET role = coalesce($2, role), password_hash = coalesce($3, password_hash),
                disabled = coalesce($4, disabled), updated_at = now()
          WHERE name = $1 RETURNING *`),
          [name, change.role ?? null, change.passwordHash ?? null, change.disabled ?? null],
        );
        if (!rows[0]) return 'not-found';
        if (!(await this.anyEnabledAdmin(m.query.bind(m)))) {
          throw new LastAdminError();
        }
        return toUser(rows[0]);
      })
      .catch((err: unknown) => {
        if (err instanceof LastAdminError) return 'last-admin' as const;
        throw err;
      });
  }

  /** Deletes an account unless it is the last enabled admin. */
  async delete(name: string): Promise<'deleted' | 'not-found' | 'last-admin'> {
    return this.dataSource
      .transaction(async (m) => {
        await m.query('LOCK TABLE prm_user IN SHARE ROW EXCLUSIVE MODE');
        const rows = (await m.query(returning('DELETE FROM prm_user WHERE name = $1 RETURNING name'), [
          name,
        ])) as unknown[];
        if (rows.length === 0) return 'not-found' as const;
        if (!(await this.anyEnabledAdmin(m.query.bind(m)))) throw new LastAdminError();
        return 'deleted' as const;
      })
      .catch((err: unknown) => {
        if (err instanceof LastAdminError) return 'last-admin' as const;
        throw err;
      });
  }

  async recordLogin(name: string): Promise<void> {
    await this.dataSource.query('UPDATE prm_user SET last_login_at = now() WHERE name = $1', [name]);
  }

  private async anyEnabledAdmin(query: (sql: string) => Promise<unknown[]>): Promise<boolean> {
    const rows = await query("SELECT 1 FROM prm_user WHERE role = 'admin' AND NOT disabled LIMIT 1");
    return rows.length > 0;
  }
}

class LastAdminError extends Error {}

/** A signed-in browser session (table `auth_session`), looked up by the SHA-256 of the cookie value. */
export interface SessionRecord {
  userName: string;
  role: StoredRole;
  source: 'password' | 'oidc';
  csrfHash: string;
  expiresAt: string;
}

/** Browser sessions (`auth_session`). Rows past `expires_at` are treated as absent and swept on write. */
@Injectable()
export class SessionRepository {
  constructor(private readonly dataSource: DataSource) {}

  async create(s: SessionRecord & { idHash: string }): Promise<void> {
    await this.dataSource.query('DELETE FROM auth_session WHERE expires_at < now()');
    await this.dataSource.query(
      `INSERT INTO auth_session (id_hash, user_name, role, source, csrf_hash, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [s.idHash, s.userName, s.role, s.source, s.csrfHash, s.expiresAt],
    );
  }

  /**
   * The live session with this id hash, sliding its expiry to `now + idleSeconds` (capped at `absoluteSeconds` after
   * creation) in the same statement; null when absent or expired.
   */
  async touch(idHash: string, idleSeconds: number, absoluteSeconds: number): Promise<SessionRecord | null> {
    const rows: {
      user_name: string;
      role: StoredRole;
      source: 'password' | 'oidc';
      csrf_hash: string;
      expires_at: Date;
    }[] = await this.dataSource.query(
      returning(`UPDATE auth_session
          SET last_seen_at = now(),
              expires_at = least(now() + make_interval(secs => $2), created_at + make_interval(secs => $3))
        WHERE id_hash = $1 AND expires_at > now()
        RETURNING user_name, role, source, csrf_hash, expires_at`),
      [idHash, idleSeconds, absoluteSeconds],
    );
    const r = rows[0];
    return r
      ? {
          userName: r.user_name,
          role: r.role,
          source: r.source,
          csrfHash: r.csrf_hash,
          expiresAt: r.expires_at.toISOString(),
        }
      : null;
  }

  async delete(idHash: string): Promise<void> {
    await this.dataSource.query('DELETE FROM auth_session WHERE id_hash = $1', [idHash]);
  }

  /** Ends every session of a user (password change, role change, disabled, deleted). */
  async deleteForUser(userName: string): Promise<void> {
    await this.dataSource.query('DELETE FROM auth_session WHERE user_name = $1', [userName]);
  }
}

/** An API token as shown to users (table `api_token`); the secret itself is never stored. */
export interface ApiTokenRecord {
  id: string;
  name: string;
  /** First characters of the token (`prm_abcd`), to recognise it in a list. */
  prefix: string;
  role: StoredRole;
  createdBy: string;
  createdAt: string;
  expiresAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

interface ApiTokenRow {
  id: string;
  name: string;
  prefix: string;
  role: StoredRole;
  created_by: string;
  created_at: Date;
  expires_at: Date;
  last_used_at: Date | null;
  revoked_at: Date | null;
}

const toToken = (r: ApiTokenRow): ApiTokenRecord => ({
  id: r.id,
  name: r.name,
  prefix: r.prefix,
  role: r.role,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  expiresAt: r.expires_at.toISOString(),
  lastUsedAt: r.last_used_at?.toISOString() ?? null,
  revokedAt: r.revoked_at?.toISOString() ?? null,
});

/** API tokens (`api_token`), looked up by the SHA-256 of the presented token. */
@Injectable()
export class ApiTokenRepository {
  constructor(private readonly dataSource: DataSource) {}

  /** Inserts a token; null when a token with the same hash exists (only the bootstrap token can collide). */
  async create(t: Omit<ApiTokenRecord, 'id' | 'createdAt' | 'lastUsedAt' | 'revokedAt'> & { tokenHash: string }) {
    const rows: ApiTokenRow[] = await this.dataSource.query(
      `INSERT INTO api_token (name, token_hash, prefix, role, created_by, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (token_hash) DO NOTHING RETURNING *`,
      [t.name, t.tokenHash, t.prefix, t.role, t.createdBy, t.expiresAt],
    );
    return rows[0] ? toToken(rows[0]) : null;
  }

  /** The usable (not revoked, not expired) token with this hash, marking it used; null otherwise. */
  async use(tokenHash: string): Promise<ApiTokenRecord | null> {
    const rows: ApiTokenRow[] = await this.dataSource.query(
      returning(`UPDATE api_token SET last_used_at = now()
          WHERE token_hash = $1 AND revoked_at IS NULL AND expires_at > now()
          RETURNING *`),
      [tokenHash],
    );
    return rows[0] ? toToken(rows[0]) : null;
  }

  /** Every token (`createdBy` null) or one user's tokens, newest first. */
  async list(createdBy: string | null): Promise<ApiTokenRecord[]> {
    const rows: ApiTokenRow[] = await this.dataSource.query(
      'SELECT * FROM api_token WHERE $1::text IS NULL OR created_by = $1 ORDER BY created_at DESC',
      [createdBy],
    );
    return rows.map(toToken);
  }

  async find(id: string): Promise<ApiTokenRecord | null> {
    const rows: ApiTokenRow[] = await this.dataSource.query('SELECT * FROM api_token WHERE id = $1', [id]);
    return rows[0] ? toToken(rows[0]) : null;
  }

  /** Marks the token revoked (idempotent); returns its hash so caches can drop it. */
  async revoke(id: string): Promise<string | null> {
    const rows: { token_hash: string }[] = await this.dataSource.query(
      returning('UPDATE api_token SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING token_hash'),
      [id],
    );
    return rows[0]?.token_hash ?? null;
  }
}
