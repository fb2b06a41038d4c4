import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from '../../migrations';
import { AppConfig } from '../config/app-config';
import { ENTITIES } from './entities';

type PostgresConnectionOptions = Extract<DataSourceOptions, { type: 'postgres' }>;

/** TypeORM options shared by the app and the CLI: migrations only, never `synchronize`. */
export function databaseOptions(config: Pick<AppConfig, 'databaseUrl' | 'dbPoolSize'>): PostgresConnectionOptions {
  if (!config.databaseUrl) throw new Error('databaseUrl is not set: start the embedded Postgres first');
  return {
    type: 'postgres',
    url: config.databaseUrl,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsTableName: 'migrations',
    synchronize: false,
    poolSize: config.dbPoolSize,
    extra: { application_name: 'mylife-node' },
  };
}
