// Migration runs (issue 5): tables migration_run and migration_step. The repository uses parameterised SQL on the
// DataSource, so this area has no TypeORM entities.
import { MigrationRuns1764600000000 } from './1764600000000-migration-runs.js';
import { MigrationRunRepository } from './migration-run.repository.js';

export const MIGRATION_RUN_ENTITIES: (new () => object)[] = [];
export const MIGRATION_RUN_MIGRATIONS: (new () => object)[] = [MigrationRuns1764600000000];
export const MIGRATION_RUN_REPOSITORIES: (new (...args: never[]) => object)[] = [MigrationRunRepository];
