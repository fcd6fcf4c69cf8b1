import fc from 'fast-check';

import { InvalidIdentifierError } from './errors.js';
import { quoteIdent, quoteLiteral, quoteQualified, splitQualified, validateIdentifier } from './quote.js';

describe('quoteIdent', () => {
  it('always double-quotes and doubles embedded quotes', () => {
    expect(quoteIdent('orders')).toBe('"orders"');
    expect(quoteIdent('Order Items')).toBe('"Order Items"');
    expect(quoteIdent('a"b')).toBe('"a""b"');
    expect(quoteIdent('x";DROP TABLE t;--')).toBe('"x"";DROP TABLE t;--"');
  });

  it('rejects empty, NUL and names over 63 UTF-8 bytes with a typed error', () => {
    expect(() => quoteIdent('')).toThrow(InvalidIdentifierError);
    expect(() => quoteIdent('a\0b')).toThrow(/NUL/);
    expect(() => quoteIdent('a'.repeat(63))).not.toThrow();
    expect(() => quoteIdent('a'.repeat(64))).toThrow(/64 bytes/);
    // 32 two-byte characters = 64 bytes although only 32 UTF-16 units.
    expect(() => quoteIdent('é'.repeat(32))).toThrow(InvalidIdentifierError);
    expect(() => quoteIdent('é'.repeat(31))).not.toThrow();
  });

  it('names the field in the error', () => {
    let caught: unknown;
    try {
      validateIdentifier('', 'publication name');
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidIdentifierError);
    expect(caught).toMatchObject({ field: 'publication name', reason: 'must not be empty' });
  });

  it('produces a token that starts and ends with a quote and has only doubled quotes inside (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', minLength: 1, maxLength: 20 }), (name) => {
        fc.pre(!name.includes('\0') && Buffer.byteLength(name) <= 63);
        const q = quoteIdent(name);
        expect(q.startsWith('"') && q.endsWith('"')).toBe(true);
        expect(q.slice(1, -1).replace(/""/g, '')).not.toContain('"');
        expect(q.slice(1, -1).replace(/""/g, '"')).toBe(name);
      }),
    );
  });
});

describe('quoteLiteral', () => {
  it('doubles quotes and uses E-strings for backslashes, like quote_literal', () => {
    expect(quoteLiteral("it's")).toBe("'it''s'");
    expect(quoteLiteral('a\\b')).toBe("E'a\\\\b'");
    expect(quoteLiteral("host=x password='p\\'w'")).toBe("E'host=x password=''p\\\\''w'''");
    expect(() => quoteLiteral('a\0')).toThrow(InvalidIdentifierError);
  });
});

describe('quoteQualified', () => {
  it('quotes schema and table from an object or a dotted string', () => {
    expect(quoteQualified({ schema: 'Sales', table: 'order' })).toBe('"Sales"."order"');
    expect(quoteQualified('public.orders')).toBe('"public"."orders"');
    expect(quoteQualified('"my.schema"."Tab""le"')).toBe('"my.schema"."Tab""le"');
    expect(quoteQualified('orders')).toBe('"orders"');
  });

  it('rejects malformed names', () => {
    expect(() => splitQualified('a.b.c')).toThrow(/schema\.table/);
    expect(() => splitQualified('"a.b')).toThrow(/unterminated/);
    expect(() => splitQualified('a.')).toThrow(/empty/);
    expect(() => splitQualified('"a"x.b')).toThrow(/after a closing/);
    expect(() => splitQualified('a"b.c')).toThrow(/inside a bare/);
    expect(() => quoteQualified({ schema: '', table: 't' })).toThrow(/schema name/);
  });
});
