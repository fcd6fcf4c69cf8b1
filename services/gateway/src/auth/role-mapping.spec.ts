import { groupsFromClaim, parseRoleGroups, roleForGroups } from './role-mapping.js';

describe('parseRoleGroups', () => {
  it('parses every role with trimmed, de-duplicated groups and tolerates empty parts', () => {
    expect(parseRoleGroups(' admin = dba-admins ;operator=dba-oncall, sre,sre;;viewer=eng;')).toEqual({
      admin: ['dba-admins'],
      operator: ['dba-oncall', 'sre'],
      viewer: ['eng'],
    });
  });

  it('keeps spaces inside group names and leaves unmapped roles empty', () => {
    expect(parseRoleGroups('viewer=Domain Users')).toEqual({ admin: [], operator: [], viewer: ['Domain Users'] });
  });

  it.each([
    ['', /maps no role/],
    [' ; ;', /maps no role/],
    ['admin', /part "admin" must look like role=group1,group2/],
    ['admin=dba;superuser=root', /part "superuser=root": unknown role "superuser" \(roles: viewer, operator, admin\)/],
    ['admin=a;admin=b', /part "admin=b": role admin is mapped twice/],
    ['operator=', /part "operator=": group names must be non-empty/],
    ['operator=a,,b', /part "operator=a,,b": group names must be non-empty/],
    ['viewer=a=b', /part "viewer=a=b": group names must be non-empty and free of '=' \(got "a=b"\)/],
  ])('refuses %j naming the bad part', (spec, message) => {
    expect(() => parseRoleGroups(spec)).toThrow(message);
  });
});

describe('roleForGroups', () => {
  const mapping = parseRoleGroups('admin=dba-admins;operator=dba-oncall,sre;viewer=eng,sre');

  it('gives the strongest role whose groups match', () => {
    expect(roleForGroups(['eng', 'dba-admins'], mapping)).toBe('admin');
    expect(roleForGroups(['eng', 'sre'], mapping)).toBe('operator');
    expect(roleForGroups(['eng'], mapping)).toBe('viewer');
  });

  it('matches group names exactly and returns null when no group is mapped', () => {
    expect(roleForGroups(['DBA-ADMINS', 'dba-admin'], mapping)).toBeNull();
    expect(roleForGroups([], mapping)).toBeNull();
  });
});

describe('groupsFromClaim', () => {
  it('reads an array of strings, dropping non-strings and empty strings', () => {
    expect(groupsFromClaim(['a', 3, '', null, 'b'])).toEqual(['a', 'b']);
  });

  it('reads one string as one group', () => {
    expect(groupsFromClaim('dba-admins')).toEqual(['dba-admins']);
  });

  it.each([[undefined], [''], [42], [{ groups: ['a'] }]])('reads %j as no groups', (value) => {
    expect(groupsFromClaim(value)).toEqual([]);
  });
});
