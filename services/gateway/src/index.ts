export * from './env.js';
export * from './gateway.module.js';
export * from './http/api-error.filter.js';
export * from './http/configure-http.js';
export * from './auth/auth.env.js';
export { AuthService, AUTH_SETTINGS, SESSION_COOKIE, CSRF_COOKIE, CSRF_HEADER } from './auth/auth.service.js';
export type { Principal } from './auth/auth.service.js';
