// DataSource for the TypeORM CLI (`npx typeorm migration:create|show -d dist/libs/persistence/src/cli-data-source.js`).
import { DataSource } from 'typeorm';
import { metadataDataSourceOptions } from './data-source.js';

export default new DataSource(
  metadataDataSourceOptions(process.env.PRM_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/prm'),
);
