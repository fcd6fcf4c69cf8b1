import { type Provider } from '@nestjs/common';
import { DataSource } from 'typeorm';

import { DefaultLogReaderFactory, LOG_READER_FACTORY, type LogReaderSettings } from './log-reader.factory.js';
import { MONITOR_LOG_INGESTION } from './log-ingestion.port.js';
import { LogIngestionService } from './log-ingestion.service.js';
import { SqlStreamLookup, STREAM_LOOKUP } from './stream-lookup.js';

/**
 * Providers of server-log ingestion for the monitor: {@link MONITOR_LOG_INGESTION} (LogIngestionService), the
 * reader factory and the stream lookup. Needs PersistenceModule (DataSource, ReplicationErrorRepository,
 * LogCursorRepository).
 */
export function logIngestionProviders(settings: LogReaderSettings = {}): Provider[] {
  return [
    { provide: LOG_READER_FACTORY, useValue: new DefaultLogReaderFactory(settings) },
    { provide: STREAM_LOOKUP, useFactory: (ds: DataSource) => new SqlStreamLookup(ds), inject: [DataSource] },
    LogIngestionService,
    { provide: MONITOR_LOG_INGESTION, useExisting: LogIngestionService },
  ];
}
