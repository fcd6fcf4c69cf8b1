import { InvalidIdentifierError } from './errors.js';

/** NAMEDATALEN - 1: the longest identifier PostgreSQL keeps, in bytes of the server encoding (UTF-8 here). */
export const MAX_IDENTIFIER_BYTES = 63;

/**
 * Checks that `name` can be used as a PostgreSQL identifier without being changed by the server.
 * Rejects the empty string, NUL (PostgreSQL strings cannot hold it) and names longer than 63 UTF-8 bytes
 * (the server would silently truncate them to NAMEDATALEN-1; see the "Identifiers and Key Words" doc section).
 * @param what what the name is, for the error (e.g. `publication name`).
 * @throws InvalidIdentifierError with `field = what`.
 */
export function validateIdentifier(name: string, what: string): void {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidIdentifierError(what, 'must not be empty');
  if (name.includes('\0')) throw new InvalidIdentifierError(what, 'must not contain a NUL character');
  const bytes = Buffer.byteLength(name, 'utf8');
  if (bytes > MAX_IDENTIFIER_BYTES) {
    throw new InvalidIdentifierError(what, `is ${bytes} bytes long; PostgreSQL keeps at most ${MAX_IDENTIFIER_BYTES}`);
  }
}

/**
 * Quotes an identifier for SQL: always double-quoted, embedded `"` doubled, so case and every other character
 * are kept (unlike `quote_ident`, which leaves lower-case names bare; always quoting is equivalent and simpler).
 * @throws InvalidIdentifierError when the name is empty, contains NUL or exceeds 63 bytes.
 */
export function quoteIdent(name: string): string {
  validateIdentifier(name, 'identifier');
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * Quotes a string literal like PostgreSQL's `quote_literal`: single quotes doubled; when the value holds a
 * backslash it becomes an `E'...'` literal with backslashes doubled, which reads the same whatever
 * `standard_conforming_strings` is. Prefer bind parameters; this is for DDL that cannot take them
 * (e.g. `CREATE SUBSCRIPTION ... CONNECTION '...'`).
 * @throws InvalidIdentifierError (field `literal`) when the value contains NUL.
 */
export function quoteLiteral(value: string): string {
  if (value.includes('\0')) throw new InvalidIdentifierError('literal', 'must not contain a NUL character');
  const body = value.replace(/'/g, "''");
  return value.includes('\\') ? `E'${body.replace(/\\/g, '\\\\')}'` : `'${body}'`;
}

/** A schema-qualified relation name, unquoted. */
export interface QualifiedName {
  schema: string;
  table: string;
}

/**
 * Splits `schema.table` into its parts. Double-quoted parts are unquoted (`"a.b".c` is schema `a.b`); bare parts
 * are taken verbatim, without case folding (prm's names come from catalogs, e.g. `regclass::text`, whose bare parts
 * are already folded). A name without a dot has no schema.
 * @throws InvalidIdentifierError (field `qualified name`) on an unbalanced quote, more than two parts or an empty part.
 */
export function splitQualified(name: string): { schema: string | null; table: string } {
  const parts: string[] = [];
  let i = 0;
  for (;;) {
    let part = '';
    if (name[i] === '"') {
      i++;
      for (;;) {
        if (i >= name.length) throw new InvalidIdentifierError('qualified name', 'unterminated double quote');
        if (name[i] === '"') {
          if (name[i + 1] === '"') {
            part += '"';
            i += 2;
            continue;
          }
          i++;
          break;
        }
        part += name[i++];
      }
      if (i < name.length && name[i] !== '.') {
        throw new InvalidIdentifierError('qualified name', 'unexpected character after a closing double quote');
      }
    } else {
      while (i < name.length && name[i] !== '.') {
        if (name[i] === '"') throw new InvalidIdentifierError('qualified name', 'double quote inside a bare name');
        part += name[i++];
      }
    }
    if (part === '') throw new InvalidIdentifierError('qualified name', 'empty part');
    parts.push(part);
    if (i >= name.length) break;
    i++; // the dot
  }
  if (parts.length > 2) throw new InvalidIdentifierError('qualified name', 'expected schema.table');
  return parts.length === 2 ? { schema: parts[0], table: parts[1] } : { schema: null, table: parts[0] };
}

/**
 * Quotes a possibly schema-qualified relation name: `{schema:'Sales', table:'order'}` → `"Sales"."order"`.
 * A string is split with {@link splitQualified}.
 * @throws InvalidIdentifierError on a malformed name or an invalid part.
 */
export function quoteQualified(name: string | QualifiedName): string {
  const { schema, table } = typeof name === 'string' ? splitQualified(name) : name;
  validateIdentifier(table, 'table name');
  if (schema === null) return quoteIdent(table);
  validateIdentifier(schema, 'schema name');
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
