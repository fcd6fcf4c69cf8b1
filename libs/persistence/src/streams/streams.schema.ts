// Stream monitoring tables (stream, stream_status, wal_sample, metric_sample, threshold): entities, migrations
// and repositories of this area, collected here so data-source.ts and the module need no edits per table.
// The repositories use parameterized SQL on the DataSource (no entities needed).
import { Streams1764500000000 } from './1764500000000-streams.js';
import { StreamPause1765100000000 } from './1765100000000-stream-pause.js';
import { MetricSampleRepository } from './metric-sample.repository.js';
import { StreamStatusRepository } from './stream-status.repository.js';
import { StreamRepository } from './stream.repository.js';
import { ThresholdRepository } from './threshold.repository.js';
import { WalSampleRepository } from './wal-sample.repository.js';

export const STREAM_ENTITIES: (new () => object)[] = [];
export const STREAM_MIGRATIONS: (new () => object)[] = [Streams1764500000000, StreamPause1765100000000];
export const STREAM_REPOSITORIES: (new (...args: never[]) => object)[] = [
  StreamRepository,
  StreamStatusRepository,
  WalSampleRepository,
  MetricSampleRepository,
  ThresholdRepository,
];
