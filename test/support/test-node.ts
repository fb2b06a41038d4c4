import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import { AppConfig, loadConfig } from '../../src/config/app-config';
import { RunningNode, startNode } from '../../src/node';
import { createDatabase, deleteRedisKeys, dropDatabase, freePort, testServices } from './services';

export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789';

export interface TestNode extends RunningNode {
  /** This node's server name, e.g. `localhost:41234`. */
  server: string;
  databaseName: string;
  /** Stops the process and starts it again on the same port, database and queue prefix. */
  restart(): Promise<void>;
  /** Stops the node and drops its database and queue keys. */
  destroy(): Promise<void>;
}

/**
 * A real node on loopback with its own database, port and queue prefix, on the suite's Postgres and Redis.
 * `env` overrides any variable, as an operator would set it; `settings` the settings no variable sets (such as
 * where the web app's build is).
 */
export async function startTestNode(
  env: Record<string, string | undefined> = {},
  settings: Partial<AppConfig> = {},
): Promise<TestNode> {
  const node = await startTestProcess(env, settings);
  return node;
}

/** Another process of the same node: same database, server name and queue prefix, its own port. */
export async function startSecondProcess(node: TestNode): Promise<RunningNode> {
  const config = { ...node.config, port: await freePort() };
  return startNode(config);
}

async function startTestProcess(
  env: Record<string, string | undefined>,
  settings: Partial<AppConfig>,
): Promise<TestNode> {
  const suffix = randomBytes(5).toString('hex');
  const databaseName = `mylife_test_${suffix}`;
  const port = await freePort();
  const loaded = loadConfig({
    HOST: '127.0.0.1',
    PORT: String(port),
    DATABASE_URL: await createDatabase(databaseName),
    REDIS_URL: testServices.redisUrl ?? undefined,
    MYLIFE_ADMIN_TOKEN: TEST_ADMIN_TOKEN,
    MYLIFE_QUEUE_PREFIX: `mylife-test-${suffix}`,
    MYLIFE_SCRYPT_LOG_N: '14',
    LOG_LEVEL: 'error',
    ...env,
  });
  const config: AppConfig = { ...loaded, ...settings };
  let running: RunningNode | null = await startNode(config);
  const testNode: TestNode = {
    ...running,
    server: config.federationServer,
    databaseName,
    stop: async () => {
      await running?.stop();
      running = null;
    },
    restart: async () => {
      await running?.stop();
      running = await startNode(config);
      Object.assign(testNode, { app: running.app, url: running.url });
    },
    destroy: async () => {
      await running?.stop();
      running = null;
      await dropDatabase(databaseName);
      await deleteRedisKeys(config.queuePrefix);
    },
  };
  return testNode;
}

/**
 * Stops a node as its process ending would. The node does not end open `/api/events` streams when it shuts down, and a
 * browser also keeps keep-alive connections, so Nest's close would wait for every live client to hang up; cutting the
 * connections meanwhile stands in for the process exiting (see the report on this server gap). `node.restart()` (a
 * `TestNode`) starts it again on the same port.
 */
export async function stopNode(node: Pick<RunningNode, 'app' | 'stop'>): Promise<void> {
  const server = node.app.getHttpServer() as Server;
  const cut = setInterval(() => server.closeAllConnections(), 50);
  try {
    await node.stop();
  } finally {
    clearInterval(cut);
  }
}
