import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import { eventually } from './support/federation';
import { createDatabase, dropDatabase, freePort, ownRedis, testServices } from './support/services';

const ROOT = join(__dirname, '..');

interface NodeProcess {
  child: ChildProcess;
  /** stdout and stderr as they arrived. */
  output(): string;
  exited: Promise<number | null>;
}

/** `npm start` as an operator runs it: src/main.ts in a process (group) of its own, with only `env` set. */
function startNodeProcess(env: Record<string, string>): NodeProcess {
  const child = spawn(process.execPath, [join(ROOT, 'test/support/run-ts.cjs'), join(ROOT, 'src/main.ts')], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: '127.0.0.1', ...env },
    detached: true,
  });
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  return { child, output: () => output, exited };
}

async function holdPort(port: number): Promise<Server> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return server;
}

describe('a node process', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'mylife-process-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('says in one line which variable to change when PORT is taken, and exits 1', async () => {
    const port = await freePort();
    const taken = await holdPort(port);
    try {
      const node = startNodeProcess({ PORT: String(port), MYLIFE_DATA_DIR: dataDir });
      expect(await node.exited).toBe(1);
      expect(node.output()).toBe(`MyLife Node failed to start: port ${port} is in use: set PORT to a free port\n`);
    } finally {
      taken.close();
    }
  });

  it('says in one line which variable to change when the embedded Postgres port is taken', async () => {
    const postgresPort = await freePort();
    const taken = await holdPort(postgresPort);
    try {
      const node = startNodeProcess({
        PORT: String(await freePort()),
        MYLIFE_DATA_DIR: dataDir,
        MYLIFE_EMBEDDED_POSTGRES_PORT: String(postgresPort),
      });
      expect(await node.exited).toBe(1);
      expect(node.output()).toBe(
        `MyLife Node failed to start: port ${postgresPort} is in use: ` +
          'set MYLIFE_EMBEDDED_POSTGRES_PORT to a free port\n',
      );
    } finally {
      taken.close();
    }
  });

  it('names DATABASE_URL, without its password, when the database cannot be reached', async () => {
    const databasePort = await freePort();
    const node = startNodeProcess({
      PORT: String(await freePort()),
      DATABASE_URL: `postgres://mylife:s3cret@127.0.0.1:${databasePort}/mylife`,
    });
    expect(await node.exited).toBe(1);
    expect(node.output()).toBe(
      `MyLife Node failed to start: DATABASE_URL (postgres://***@127.0.0.1:${databasePort}/mylife) cannot be reached: ` +
        `connect ECONNREFUSED 127.0.0.1:${databasePort}\n`,
    );
  });

  it('names REDIS_URL, without its password, in one line when Redis cannot be reached', async () => {
    const redisPort = await freePort();
    const node = startNodeProcess({
      PORT: String(await freePort()),
      DATABASE_URL: testServices.databaseUrl,
      REDIS_URL: `redis://:s3cret@127.0.0.1:${redisPort}`,
    });
    expect(await node.exited).toBe(1);
    expect(node.output()).toBe(
      `MyLife Node failed to start: REDIS_URL (redis://***@127.0.0.1:${redisPort}) cannot be reached: ` +
        `connect ECONNREFUSED 127.0.0.1:${redisPort}\n`,
    );
  });

  it('logs a Redis lost after boot as warning lines, never as raw error dumps', async () => {
    const redis = await ownRedis();
    if (!redis) return; // no redis-server to take away
    const databaseName = `mylife_test_process_${new URL(redis.url).port}`;
    const node = startNodeProcess({
      PORT: String(await freePort()),
      DATABASE_URL: await createDatabase(databaseName),
      REDIS_URL: redis.url,
      MYLIFE_QUEUE_PREFIX: `mylife-test-process-${new URL(redis.url).port}`,
      LOG_LEVEL: 'warn',
      NO_COLOR: '1',
    });
    try {
      await eventually(async () => node.output().includes(' is up at '), 60_000, 'the node up');
      redis.stop();
      await eventually(async () => node.output().includes('WARN [Queue] federation-delivery: connect ECONNREFUSED'));
      expect(node.output()).not.toMatch(/^Error:|errno:|Unhandled error event/m);
    } finally {
      redis.stop();
      // Not SIGINT: with Redis gone, BullMQ's close waits for it (a shutdown left as it was).
      process.kill(-node.child.pid!, 'SIGKILL');
      await node.exited;
      await dropDatabase(databaseName);
    }
  });

  it('ends on SIGTERM while a client keeps its keep-alive connection busy', async () => {
    const databaseName = `mylife_test_process_${await freePort()}`;
    const port = await freePort();
    const node = startNodeProcess({
      PORT: String(port),
      DATABASE_URL: await createDatabase(databaseName),
      MYLIFE_QUEUE_PREFIX: databaseName,
      LOG_LEVEL: 'warn',
    });
    // One connection, asked again as soon as it answers: a device polling its node.
    const agent = new Agent({ connections: 1, keepAliveTimeout: 60_000 });
    let polling = true;
    const poll = async () => {
      while (polling) {
        await request(`http://127.0.0.1:${port}/health`, { dispatcher: agent })
          .then((answer) => answer.body.dump())
          .catch(() => new Promise((resolve) => setTimeout(resolve, 20)));
      }
    };
    try {
      await eventually(async () => node.output().includes(' is up at '), 60_000, 'the node up');
      const polls = [poll(), poll()];
      await new Promise((resolve) => setTimeout(resolve, 500));
      const signalled = Date.now();
      process.kill(node.child.pid!, 'SIGTERM');
      expect(await node.exited).toBe(0);
      expect(Date.now() - signalled).toBeLessThan(15_000);
      polling = false;
      await Promise.all(polls);
    } finally {
      polling = false;
      if (node.child.exitCode === null) process.kill(-node.child.pid!, 'SIGKILL');
      await agent.close();
      await dropDatabase(databaseName);
    }
  }, 120_000);

  it('stops quietly on Ctrl-C: no warnings from connections the embedded Postgres cut', async () => {
    const [port, postgresPort] = [await freePort(), await freePort()];
    const node = startNodeProcess({
      PORT: String(port),
      MYLIFE_DATA_DIR: dataDir,
      MYLIFE_EMBEDDED_POSTGRES_PORT: String(postgresPort),
      LOG_LEVEL: 'warn',
    });
    await eventually(async () => node.output().includes(' is up at '), 60_000, 'the node up');
    // The banner's CLI line reaches this node, not one on the defaults.
    expect(node.output()).toContain(
      `first user: PORT=${port} MYLIFE_DATA_DIR=${dataDir} MYLIFE_EMBEDDED_POSTGRES_PORT=${postgresPort} ` +
        'npm run cli -- user create alice --password-stdin',
    );
    // A terminal's Ctrl-C signals the whole foreground process group.
    process.kill(-node.child.pid!, 'SIGINT');
    expect(await node.exited).toBe(0);
    expect(node.output().split('SIGINT: stopping\n')[1]).toBe('');
  });
});
