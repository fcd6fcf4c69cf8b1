/**
 * `pg_subscription` option values as `CREATE SUBSCRIPTION ... WITH` spells them: the catalog stores some as chars
 * (`subtwophasestate` d/p/e; `substream` f/t/p from PG16, a boolean before) and the rest as booleans.
 */
export function optionText(name: string, value: string | boolean | null): string {
  if (value === null) return 'n/a';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  const chars: Record<string, Record<string, string>> = {
    two_phase: { d: 'off', p: 'pending (on once tables are ready)', e: 'on' },
    streaming: { f: 'off', t: 'on', p: 'parallel' },
  };
  return chars[name]?.[value] ?? value;
}
