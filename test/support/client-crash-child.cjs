// One forced sync of a client's local copy that freezes right after the server's answer to the first outbox
// operation, before the answer is written locally: the test kills this process there, at the worst moment.
const { pathToFileURL } = require('node:url');
const { join } = require('node:path');

const [buildDir, databasePath] = process.argv.slice(2);

async function main() {
  const { MyLifeClient } = await import(pathToFileURL(join(buildDir, 'index.js')).href);
  const { BetterSqlite3Database } = await import(
    pathToFileURL(join(buildDir, 'storage/better-sqlite3-database.js')).href
  );
  const client = new MyLifeClient({
    database: new BetterSqlite3Database(databasePath),
    hooks: {
      afterServerAnswer: () => {
        process.stdout.write('server-answered\n');
        setInterval(() => undefined, 1000);
        return new Promise(() => undefined);
      },
    },
  });
  await client.sync({ force: true });
  process.stdout.write('finished without pausing\n');
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
