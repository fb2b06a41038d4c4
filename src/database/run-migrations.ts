import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { databaseOptions } from './database-options';

// Any constant unique to this application; two processes booting at once serialise on it.
const MIGRATION_LOCK_KEY = 0x6d796c6966;

/** Runs pending migrations under a Postgres advisory lock; returns the names of those it applied. */
export async function runMigrations(config: Pick<AppConfig, 'databaseUrl' | 'dbPoolSize'>): Promise<string[]> {
  const dataSource = new DataSource({ ...databaseOptions(config), poolSize: 1, migrationsTransactionMode: 'each' });
  await dataSource.initialize();
  try {
    await dataSource.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      const applied = await dataSource.runMigrations();
      return applied.map((migration) => migration.name);
    } finally {
      await dataSource.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await dataSource.destroy();
  }
}
