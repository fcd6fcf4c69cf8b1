export * from './cluster.js';
export * from './config.js';
export { hasSystemPg15, pgBinaries, SYSTEM_PG15_BIN, type PgBinaries } from './os-user.js';
export { liveClusterDirs } from './registry.js';
