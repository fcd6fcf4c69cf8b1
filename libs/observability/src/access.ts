import { SetMetadata } from '@nestjs/common';

/** prm's roles, weakest first: viewer reads, operator runs streams and alerts, admin changes configuration. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Metadata key of a route's access rule (read by the gateway's AuthGuard). */
export const ACCESS_RULE = 'prm:access';

/** A route's access rule: open to everyone (`public`) or to the given role and stronger ones. */
export type AccessRule = { public: true } | { role: Role };

/** The route needs no authentication (health, login). Everything else must name a role. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_RULE, { public: true });

/** The route needs `role` or a stronger one (ROLES order). A route without a rule is refused (fail closed). */
export const RequireRole = (role: Role): MethodDecorator & ClassDecorator => SetMetadata(ACCESS_RULE, { role });

/** True when `held` is `needed` or stronger. */
export function roleAtLeast(held: Role, needed: Role): boolean {
  return ROLES.indexOf(held) >= ROLES.indexOf(needed);
}
