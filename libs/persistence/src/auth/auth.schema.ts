// Accounts, sessions and API tokens (prm_user, auth_session, api_token): migrations and repositories of this area.
import { Access1765000000000 } from './auth.migration.js';
import { ApiTokenRepository, SessionRepository, UserRepository } from './auth.repository.js';

export const AUTH_ENTITIES: (new () => object)[] = [];
export const AUTH_MIGRATIONS = [Access1765000000000];
export const AUTH_REPOSITORIES = [UserRepository, SessionRepository, ApiTokenRepository];
