import { DataSource } from 'typeorm';
import { databaseOptions } from '../src/database/database-options';
import { runMigrations } from '../src/database/run-migrations';
import { createDatabase, dropDatabase } from './support/services';

describe('migrations', () => {
  const name = `mylife_test_schema_${process.pid}`;
  afterAll(() => dropDatabase(name));

  it('build exactly the schema the entities describe (a generated migration would be empty)', async () => {
    const config = { databaseUrl: await createDatabase(name), dbPoolSize: 2 };
    expect((await runMigrations(config)).length).toBeGreaterThan(0);
    expect(await runMigrations(config)).toEqual([]);
    const dataSource = await new DataSource(databaseOptions(config)).initialize();
    try {
      const pending = await dataSource.driver.createSchemaBuilder().log();
      expect(pending.upQueries.map((query) => query.query)).toEqual([]);
    } finally {
      await dataSource.destroy();
    }
  });
});
