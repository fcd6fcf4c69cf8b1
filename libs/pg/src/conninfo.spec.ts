import fc from 'fast-check';

import {
  conninfoHasPassword,
  conninfoTarget,
  formatConninfo,
  parseConninfo,
  quoteConninfoValue,
  stripPassword,
} from './conninfo.js';
import { ConninfoParseError } from './errors.js';

describe('parseConninfo (key=value)', () => {
  it('reads bare, quoted and escaped values, with spaces around =', () => {
    expect(parseConninfo("host=db.example.com port = 5433 dbname='my db' user=app password='p\\'w\\\\x'")).toEqual({
      host: 'db.example.com',
      port: '5433',
      dbname: 'my db',
      user: 'app',
      password: "p'w\\x",
    });
    expect(parseConninfo('password=a\\ b sslmode=require')).toEqual({ password: 'a b', sslmode: 'require' });
    expect(parseConninfo("password= ''")).toEqual({ password: '' });
    expect(parseConninfo('')).toEqual({});
  });

  it('rejects garbage without echoing it', () => {
    expect(() => parseConninfo('hello world')).toThrow(ConninfoParseError);
    expect(() => parseConninfo("password='secret")).toThrow(/unterminated/);
    expect(() => parseConninfo("password='secret")).not.toThrow(/secret/);
    expect(() => parseConninfo('=x')).toThrow(ConninfoParseError);
  });
});

describe('parseConninfo (URI)', () => {
  it('reads userinfo, several hosts, IPv6, dbname and query parameters with percent-decoding', () => {
    expect(
      parseConninfo(
        'postgresql://app:p%40ss%2Fw@h1:5432,[::1]:5433,h3/sales%20db?sslmode=verify-full&connect_timeout=5',
      ),
    ).toEqual({
      user: 'app',
      password: 'p@ss/w',
      host: 'h1,::1,h3',
      port: '5432,5433,',
      dbname: 'sales db',
      sslmode: 'verify-full',
      connect_timeout: '5',
    });
    expect(parseConninfo('postgres://h?password=s%26x&ssl=true')).toEqual({
      host: 'h',
      password: 's&x',
      sslmode: 'require',
    });
    expect(parseConninfo('postgresql://')).toEqual({});
  });

  it('rejects bad percent-encoding and malformed parameters', () => {
    expect(() => parseConninfo('postgresql://u:%zz@h/db')).toThrow(/percent/);
    expect(() => parseConninfo('postgresql://u:%00@h/db')).toThrow(/%00/);
    expect(() => parseConninfo('postgresql://h/db?sslmode')).toThrow(/separator/);
    expect(() => parseConninfo('postgresql://h/db?a=b=c')).toThrow(/extra/);
    expect(() => parseConninfo('postgresql://[::1/db')).toThrow(/IPv6/);
  });
});

describe('stripPassword', () => {
  it('removes password and sslpassword keywords, keeps passfile and the rest', () => {
    expect(stripPassword("host=h password='a b' passfile=/x/.pgpass sslpassword=k dbname=d")).toBe(
      'host=h passfile=/x/.pgpass dbname=d',
    );
    expect(parseConninfo(stripPassword("password='x' host=h"))).toEqual({ host: 'h' });
  });

  it('removes the URI userinfo password and ?password= / ?sslpassword=', () => {
    expect(stripPassword('postgresql://app:s3cr%40t@h:5432/db?sslmode=require&password=x&sslpassword=y')).toBe(
      'postgresql://app@h:5432/db?sslmode=require',
    );
    expect(stripPassword('postgresql://:pw@h/db')).toBe('postgresql://h/db');
    expect(stripPassword('postgresql://h/db?password=x')).toBe('postgresql://h/db');
    // An unencoded @ in a query value is not taken for userinfo.
    expect(stripPassword('postgresql://h/db?password=a@b')).toBe('postgresql://h/db');
  });

  it('strips a password hidden in a dbname that is itself a connection string', () => {
    const s = "dbname='postgresql://u:pw@h/db' host=x";
    expect(conninfoHasPassword(s)).toBe(true);
    expect(stripPassword(s)).not.toContain('pw');
    expect(parseConninfo(stripPassword(s)).dbname).toBe('postgresql://u@h/db');
    expect(stripPassword('postgresql://h/x?dbname=host%3Dh%20password%3Dpw')).not.toContain('pw');
  });

  it('throws on garbage instead of guessing', () => {
    expect(() => stripPassword("password='unterminated")).toThrow(ConninfoParseError);
  });
});

describe('conninfoHasPassword', () => {
  it('detects each form', () => {
    expect(conninfoHasPassword('host=h password=x')).toBe(true);
    expect(conninfoHasPassword("host=h password=''")).toBe(false);
    expect(conninfoHasPassword('host=h sslpassword=x')).toBe(true);
    expect(conninfoHasPassword('postgresql://u:x@h/db')).toBe(true);
    expect(conninfoHasPassword('postgresql://u@h/db?password=x')).toBe(true);
    expect(conninfoHasPassword('postgresql://u@h/db')).toBe(false);
    expect(conninfoHasPassword('host=h passfile=/p')).toBe(false);
  });
});

describe('conninfoTarget', () => {
  it('applies libpq defaults: port 5432, dbname = user, first host, hostaddr fallback', () => {
    expect(conninfoTarget('host=h1,h2 port=6432,6433 user=app')).toEqual({
      host: 'h1',
      port: 6432,
      dbname: 'app',
      user: 'app',
    });
    expect(conninfoTarget('hostaddr=10.0.0.5 dbname=d')).toEqual({
      host: '10.0.0.5',
      port: 5432,
      dbname: 'd',
      user: null,
    });
    expect(conninfoTarget('postgresql://app@[2001:db8::1]:5433/sales')).toEqual({
      host: '2001:db8::1',
      port: 5433,
      dbname: 'sales',
      user: 'app',
    });
    expect(conninfoTarget('')).toEqual({ host: null, port: 5432, dbname: null, user: null });
    expect(() => conninfoTarget('host=h port=abc')).toThrow(/port/);
  });
});

describe('formatConninfo', () => {
  it('quotes values that need it and round-trips through parseConninfo', () => {
    expect(quoteConninfoValue('plain')).toBe('plain');
    expect(quoteConninfoValue('')).toBe("''");
    expect(quoteConninfoValue("a b'c\\")).toBe("'a b\\'c\\\\'");
    expect(() => formatConninfo({ 'bad key': 'x' })).toThrow(ConninfoParseError);
  });
});

/** Passwords rich in the characters that break naive quoting. */
const nasty = fc.string({
  unit: fc.oneof(
    fc.constantFrom("'", '\\', ' ', '=', '@', '/', '%', ':', '?', '&', '#', ',', '[', ']', '"', '\t', 'é', '🔑'),
    fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  ),
  minLength: 1,
  maxLength: 24,
});
const other = fc.record({
  host: fc.constantFrom('db.example.com', '10.0.0.5', 'primary.internal'),
  dbname: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 10 }),
  user: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }),
  application_name: fc.string({ unit: 'binary', maxLength: 12 }),
});
const noNul = (s: string): boolean => !s.includes('\0');

describe('stripPassword (properties)', () => {
  it('key=value form: the password is gone and every other key parses the same', () => {
    fc.assert(
      fc.property(nasty, other, fc.nat(4), (password, rest, pos) => {
        fc.pre(noNul(password) && Object.values(rest).every(noNul));
        const entries = Object.entries(rest);
        entries.splice(pos, 0, ['password', password]);
        const s = formatConninfo(Object.fromEntries(entries));
        const stripped = stripPassword(s);
        const expected = formatConninfo(rest);
        fc.pre(!expected.includes(password) && !expected.includes(quoteConninfoValue(password)));
        expect(parseConninfo(s).password).toBe(password);
        expect(stripped).not.toContain(password);
        expect(stripped).not.toContain(quoteConninfoValue(password));
        expect(parseConninfo(stripped)).toEqual(rest);
        expect(conninfoHasPassword(stripped)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  it('URI form: userinfo and ?password= are gone and every other key parses the same', () => {
    fc.assert(
      fc.property(nasty, nasty, other, fc.boolean(), (password, sslpassword, rest, inQuery) => {
        fc.pre([password, sslpassword, ...Object.values(rest)].every(noNul));
        const enc = encodeURIComponent;
        const userinfo = inQuery ? `${enc(rest.user)}@` : `${enc(rest.user)}:${enc(password)}@`;
        const query = [
          `application_name=${enc(rest.application_name)}`,
          ...(inQuery ? [`password=${enc(password)}`] : []),
          `sslpassword=${enc(sslpassword)}`,
        ];
        const s = `postgresql://${userinfo}${rest.host}:5432/${enc(rest.dbname)}?${query.join('&')}`;
        const parsed = parseConninfo(s);
        expect(parsed.password).toBe(password);
        expect(parsed.sslpassword).toBe(sslpassword);
        const stripped = stripPassword(s);
        const expected = `postgresql://${enc(rest.user)}@${rest.host}:5432/${enc(rest.dbname)}?${query[0]}`;
        expect(stripped).toBe(expected);
        for (const secret of [password, sslpassword]) {
          // A secret that happens to be a substring of the other parts cannot be told apart from them.
          fc.pre(!expected.includes(secret) && !expected.includes(enc(secret)));
          expect(stripped).not.toContain(enc(secret));
          expect(stripped).not.toContain(secret);
        }
        expect(parseConninfo(stripped)).toEqual({ ...rest, port: '5432' });
        expect(conninfoHasPassword(stripped)).toBe(false);
      }),
      { numRuns: 300 },
    );
  });
});
