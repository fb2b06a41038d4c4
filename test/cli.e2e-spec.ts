import request from 'supertest';
import { CliIo, runCli } from '../src/cli/cli';
import { startTestNode, TestNode } from './support/test-node';

function captureIo(stdin = ''): CliIo & { lines: string[]; errors: string[] } {
  const lines: string[] = [];
  const errors: string[] = [];
  return {
    lines,
    errors,
    out: (line) => lines.push(line),
    err: (line) => errors.push(line),
    readStdin: async () => stdin,
    isInteractive: false,
  };
}

describe('operator CLI', () => {
  let node: TestNode;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    node = await startTestNode();
    env = { DATABASE_URL: node.config.databaseUrl!, MYLIFE_FEDERATION_SERVER: node.server, MYLIFE_SCRYPT_LOG_N: '14' };
  });
  afterAll(() => node.destroy());

  it('creates a user who can then log in over HTTP, lists users, and resets a password', async () => {
    const create = captureIo('first password\n');
    expect(await runCli(['user', 'create', 'alice', '--password-stdin', '--display-name', 'Alice'], env, create)).toBe(
      0,
    );
    expect(create.lines.join('\n')).toMatch(new RegExp(`created alice@${node.server}`));
    await request(node.url)
      .post('/api/auth/session')
      .send({ username: 'alice', password: 'first password' })
      .expect(200);

    const list = captureIo();
    expect(await runCli(['user', 'list'], env, list)).toBe(0);
    expect(list.lines.some((line) => line.startsWith(`alice@${node.server}\tAlice`))).toBe(true);

    const reset = captureIo('second password\n');
    expect(await runCli(['user', 'reset-password', 'alice', '--password-stdin'], env, reset)).toBe(0);
    await request(node.url)
      .post('/api/auth/session')
      .send({ username: 'alice', password: 'first password' })
      .expect(401);
    await request(node.url)
      .post('/api/auth/session')
      .send({ username: 'alice', password: 'second password' })
      .expect(200);
  });

  it('explains mistakes with exit code 2 or 1 and no stack trace', async () => {
    const unknown = captureIo();
    expect(await runCli(['user', 'explode'], env, unknown)).toBe(2);
    expect(unknown.errors.join('\n')).toMatch(/unknown command "user explode"/);

    const noPassword = captureIo();
    expect(await runCli(['user', 'create', 'bob'], env, noPassword)).toBe(2);
    expect(noPassword.errors.join('\n')).toMatch(/--password/);

    const badName = captureIo();
    expect(await runCli(['user', 'create', 'Bad Name', '--password', 'long enough'], env, badName)).toBe(1);
    expect(badName.errors.join('\n')).toMatch(/username must be/);

    const taken = captureIo();
    await runCli(['user', 'create', 'carol', '--password', 'long enough'], env, captureIo());
    expect(await runCli(['user', 'create', 'carol', '--password', 'long enough'], env, taken)).toBe(1);
    expect(taken.errors.join('\n')).toMatch(/already taken/);

    const badConfig = captureIo();
    expect(await runCli(['user', 'list'], { ...env, PORT: 'eighty' }, badConfig)).toBe(2);
    expect(badConfig.errors.join('\n')).toMatch(/PORT/);
  });
});
