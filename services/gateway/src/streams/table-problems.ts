import type { ReplicationErrorView, TableSyncView } from '@prm/contracts';

/**
 * Fills `problem` on tables that are not ready yet with the newest logged replication error naming that table
 * (e.g. `logical replication target relation "public.t4" does not exist`, or a COPY failure `COPY t3, line 50`),
 * so the Stream page says which table is stuck and why. `errors` come newest first. Log lines may name a table
 * without its schema (`COPY t3`): those match on the table name alone. An existing `problem` (a stall) is kept
 * and the cause appended.
 */
export function annotateTableProblems(tables: TableSyncView[], errors: ReplicationErrorView[]): TableSyncView[] {
  return tables.map((t) => {
    if (t.state === 'r') return t;
    const relname = t.table.slice(t.table.lastIndexOf('.') + 1).replace(/^"|"$/g, '');
    const cause = errors.find((e) => e.table !== null && (e.table === t.table || e.table === relname));
    if (!cause) return t;
    const why = `${cause.message}${cause.sqlstate ? ` (SQLSTATE ${cause.sqlstate})` : ''} at ${cause.at}`;
    return { ...t, problem: t.problem ? `${t.problem}; last error: ${why}` : why };
  });
}
