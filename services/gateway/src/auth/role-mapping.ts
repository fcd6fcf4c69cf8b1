import { ROLES, type Role } from '@prm/observability';

/** The IdP groups granting each role (every role present; an unmapped role has no groups). */
export type RoleGroups = Readonly<Record<Role, readonly string[]>>;

const isRole = (value: string): value is Role => (ROLES as readonly string[]).includes(value);

/**
 * Parses PRM_ROLE_GROUPS: `role=group,group;role=group`, e.g. `admin=dba-admins;operator=dba-oncall,sre;viewer=eng`.
 * Roles are viewer, operator, admin (each at most once); group names are case-sensitive, trimmed, may hold spaces but
 * not `,` `;` `=`. Empty parts (a trailing `;`) are ignored. A group may appear under two roles: the stronger wins.
 * @throws Error naming the offending part when the spec is empty or a part is not `role=group[,group...]`
 */
export function parseRoleGroups(spec: string): RoleGroups {
  const mapping: Record<Role, string[]> = { viewer: [], operator: [], admin: [] };
  const seen = new Set<Role>();
  for (const rawPart of spec.split(';')) {
    const part = rawPart.trim();
    if (!part) continue;
    const eq = part.indexOf('=');
    if (eq < 0) throw new Error(`PRM_ROLE_GROUPS part "${part}" must look like role=group1,group2`);
    const role = part.slice(0, eq).trim();
    if (!isRole(role)) {
      throw new Error(`PRM_ROLE_GROUPS part "${part}": unknown role "${role}" (roles: ${ROLES.join(', ')})`);
    }
    if (seen.has(role)) throw new Error(`PRM_ROLE_GROUPS part "${part}": role ${role} is mapped twice`);
    seen.add(role);
    const groups = part
      .slice(eq + 1)
      .split(',')
      .map((group) => group.trim());
    const bad = groups.find((group) => group.length === 0 || group.includes('='));
    if (bad !== undefined) {
      throw new Error(`PRM_ROLE_GROUPS part "${part}": group names must be non-empty and free of '=' (got "${bad}")`);
    }
    mapping[role] = [...new Set(groups)];
  }
  if (seen.size === 0) {
    throw new Error('PRM_ROLE_GROUPS maps no role: set e.g. admin=dba-admins;operator=dba-oncall;viewer=eng');
  }
  return mapping;
}

/**
 * The strongest role whose groups intersect the caller's groups (exact, case-sensitive match), or null when none does.
 */
export function roleForGroups(groups: readonly string[], mapping: RoleGroups): Role | null {
  const held = new Set(groups);
  for (const role of [...ROLES].reverse()) {
    if (mapping[role].some((group) => held.has(group))) return role;
  }
  return null;
}

/**
 * The group names in a groups claim: an array of strings (non-strings and empty strings dropped) or one string (one
 * group, as some IdPs send a single group); anything else (absent, number, object) means no groups.
 */
export function groupsFromClaim(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string' && item.length > 0);
  if (typeof value === 'string' && value.length > 0) return [value];
  return [];
}
