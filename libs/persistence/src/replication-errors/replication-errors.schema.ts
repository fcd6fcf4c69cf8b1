// Replication errors from server logs (replication_error, log_cursor, endpoint.log_source): entities, migrations
// and repositories of this area, collected here so data-source.ts and the module need no edits per table.
export const REPLICATION_ERROR_ENTITIES: (new () => object)[] = [];
export const REPLICATION_ERROR_MIGRATIONS: (new () => object)[] = [];
export const REPLICATION_ERROR_REPOSITORIES: (new (...args: never[]) => object)[] = [];
