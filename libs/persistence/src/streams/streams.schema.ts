// Stream monitoring tables (stream, stream_status, wal_sample, metric_sample, threshold): entities, migrations
// and repositories of this area, collected here so data-source.ts and the module need no edits per table.
export const STREAM_ENTITIES: (new () => object)[] = [];
export const STREAM_MIGRATIONS: (new () => object)[] = [];
export const STREAM_REPOSITORIES: (new (...args: never[]) => object)[] = [];
