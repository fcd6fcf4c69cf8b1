// Replication errors from server logs (replication_error, log_cursor, endpoint.log_source): entities, migrations
// and repositories of this area, collected here so data-source.ts and the module need no edits per table.
// The repositories use parameterized SQL on the DataSource (no entities needed).
import { ReplicationErrors1764500001000 } from './1764500001000-replication-errors.js';
import { LogCursorRepository } from './log-cursor.repository.js';
import { ReplicationErrorRepository } from './replication-error.repository.js';

export const REPLICATION_ERROR_ENTITIES: (new () => object)[] = [];
export const REPLICATION_ERROR_MIGRATIONS: (new () => object)[] = [ReplicationErrors1764500001000];
export const REPLICATION_ERROR_REPOSITORIES: (new (...args: never[]) => object)[] = [
  ReplicationErrorRepository,
  LogCursorRepository,
];
