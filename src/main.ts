import 'reflect-metadata';
import { ConfigError, loadConfig } from './config/app-config';
import { RunningNode, startNode } from './node';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const started = Date.now();
  const node: RunningNode = await startNode(config);
  console.log(
    [
      `MyLife Node ${node.config.federationServer} is up at ${node.url} in ${Date.now() - started} ms`,
      `  database: ${node.embeddedPostgres ? `embedded Postgres (data in ${node.config.dataDir})` : 'DATABASE_URL'}; queue: ${node.queueBackend}`,
      `  health:   ${node.url}/health    API docs: ${node.url}/api/docs`,
      '  first user: npm run cli -- user create alice --password-stdin   (asks for the password)',
      node.config.adminToken
        ? `  admin:    ${node.url}/admin/queues (admin token as password)`
        : '  admin:    set MYLIFE_ADMIN_TOKEN to enable the admin API and the queue dashboard',
    ].join('\n'),
  );

  let stopping = false;
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping`);
    node.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('shutdown failed', error);
        process.exit(1);
      },
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown(signal));
}

main().catch((error: unknown) => {
  console.error(`MyLife Node failed to start: ${error instanceof Error ? error.message : String(error)}`);
  if (process.env.LOG_LEVEL === 'debug' && error instanceof Error) console.error(error.stack);
  process.exit(1);
});
