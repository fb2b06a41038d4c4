import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { MyLifeClient, MyLifeClientOptions } from '../../client/src/mylife-client.ts';
import { BetterSqlite3Database } from '../../client/src/storage/better-sqlite3-database.ts';
import { RunningNode, startNode } from '../../src/node';
import { DEFAULT_PASSWORD, TestUser, bearer } from './factories';
import { deleteRedisKeys, dropDatabase } from './services';
import { stopNode, TestNode, startTestNode } from './test-node';

export const CLIENT_ROOT = resolve(__dirname, '../../client');

/** A test node that can be stopped and started again on the same port and database, as an operator restarts one. */
export class RestartableNode {
  private running: RunningNode | null;

  private constructor(private readonly first: TestNode) {
    this.running = first;
  }

  static async start(): Promise<RestartableNode> {
    return new RestartableNode(await startTestNode());
  }

  /** What `startTestNode` gave: use it with the factories (`signUp`, `befriend`). */
  get node(): TestNode {
    return this.first;
  }

  get url(): string {
    return this.first.url;
  }

  /** Stops the node as an operator's restart does (see `stopNode`). */
  async stop(): Promise<void> {
    if (!this.running) return;
    try {
      await stopNode(this.running);
    } finally {
      this.running = null;
    }
  }

  async restart(): Promise<void> {
    await this.stop();
    this.running = await startNode(this.first.config);
  }

  async destroy(): Promise<void> {
    await this.stop();
    await dropDatabase(this.first.databaseName);
    await deleteRedisKeys(this.first.config.queuePrefix);
  }
}

/** A folder for local databases, removed by `removeTempDirs`. */
const tempDirs: string[] = [];
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'mylife-client-'));
  tempDirs.push(dir);
  return dir;
}

export function removeTempDirs(): void {
  for (const dir of tempDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/** A real client on a real SQLite file. */
export function openClient(path: string, options: Partial<MyLifeClientOptions> = {}): MyLifeClient {
  return new MyLifeClient({ database: new BetterSqlite3Database(path), ...options });
}

export async function loggedInClient(
  url: string,
  user: TestUser,
  deviceName: string,
  path = join(tempDir(), `${deviceName}.sqlite`),
  options: Partial<MyLifeClientOptions> = {},
): Promise<{ client: MyLifeClient; path: string }> {
  const client = openClient(path, options);
  await client.login({ serverUrl: url, username: user.username, password: DEFAULT_PASSWORD, deviceName });
  return { client, path };
}

/** Every message of a conversation as the server has it, oldest first, following `hasMore` pages. */
export async function serverThread(url: string, viewer: TestUser, friendAddress: string) {
  const messages: { id: string; clientMessageId: string; content: string; readAt: string | null }[] = [];
  let after: string | undefined;
  for (;;) {
    const query: Record<string, string | number> = { friendUserId: friendAddress, limit: 200 };
    if (after) query.after = after;
    else query.since = '1970-01-01T00:00:00.000Z';
    const page = await request(url).get('/api/messages').set(bearer(viewer)).query(query).expect(200);
    messages.push(...page.body.items);
    if (!page.body.hasMore || page.body.items.length === 0) return messages;
    after = page.body.items.at(-1).id;
  }
}

/**
 * Builds the client (ESM with declarations) into a folder of its own under client/node_modules, where Node finds the
 * client's dependencies and no linter looks: child processes run the real, built code, and two test files building at
 * once never collide. Asynchronous on purpose: a build that blocked the event loop for seconds let the in-process
 * node's keep-alive timers fire late, just as the next request went out on a pooled connection (ECONNRESET).
 */
export async function buildClient(): Promise<string> {
  const outDir = join(CLIENT_ROOT, 'node_modules/.e2e-build', String(process.pid));
  tempDirs.push(outDir);
  await promisify(execFile)(
    process.execPath,
    [require.resolve('typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir],
    { cwd: CLIENT_ROOT },
  ).catch((error: Error & { stdout?: string }) => {
    throw new Error(`client build failed: ${error.stdout || error.message}`);
  });
  return outDir;
}
