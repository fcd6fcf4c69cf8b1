export * from './file-log.reader.js';
export * from './log-ingestion.port.js';
export * from './log-ingestion.providers.js';
export * from './log-ingestion.service.js';
export * from './log-reader.factory.js';
export * from './stream-lookup.js';
