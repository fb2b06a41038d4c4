import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import request from 'supertest';
import { bearer, befriend, DEFAULT_PASSWORD, signUp, TestUser } from './support/factories';
import { buildClient, removeTempDirs, RestartableNode, serverThread, tempDir } from './support/client-harness';
import { CliRunOptions, runMylife } from './support/mylife-cli';

const mylife = (args: string[], options?: CliRunOptions) => runMylife(home, args, options);

let home: string;

describe('mylife CLI end to end between two users of one node', () => {
  let node: RestartableNode;
  let alice: TestUser;
  let bob: TestUser;
  const asAlice = (...args: string[]) => mylife(['--profile', 'alice', ...args]);
  const asBob = (...args: string[]) => mylife(['--profile', 'bob', ...args]);

  beforeAll(async () => {
    home = tempDir();
    node = await RestartableNode.start();
    alice = await signUp(node.node, 'alice');
    bob = await signUp(node.node, 'bob');
  });

  afterAll(async () => {
    await node.destroy();
    removeTempDirs();
  });

  it('logs in with the password from stdin or the environment, and says who is logged in', async () => {
    const aliceLogin = await mylife(
      ['--profile', 'alice', 'login', '--server', node.url, '--username', 'alice', '--password-stdin', '--json'],
      { stdin: `${DEFAULT_PASSWORD}\n` },
    );
    expect(aliceLogin).toMatchObject({ code: 0, json: { address: alice.address, synced: true } });
    expect(aliceLogin.stdout).not.toContain('mlt_');

    const bobLogin = await mylife(['--profile', 'bob', 'login', '--server', node.url, '--username', 'bob'], {
      env: { MYLIFE_PASSWORD: DEFAULT_PASSWORD },
    });
    expect(bobLogin).toMatchObject({ code: 0, stdout: `logged in as ${bob.address} on ${node.url}\n` });

    const whoami = await asAlice('whoami', '--json');
    expect(whoami.json).toMatchObject({ loggedIn: true, address: alice.address, pendingOperations: 0 });

    const wrong = await mylife(['--profile', 'eve', 'login', '--server', node.url, '--username', 'alice'], {
      env: { MYLIFE_PASSWORD: 'not the password' },
    });
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toMatch(/^mylife: .*\(HTTP 401\)\n$/);
  });

  it('invites, accepts, sends, shows the inbox and the thread, and marks read', async () => {
    const invite = await asAlice('invite', 'bob', '--message', 'it is alice', '--json');
    expect(invite.json).toMatchObject({ state: 'done', invite: { toUserId: bob.address, status: 'pending' } });

    const invites = await asBob('invites', '--json');
    const incoming = invites.json.invites.find((i: any) => i.fromUserId === alice.address);
    expect(incoming).toMatchObject({ status: 'pending', message: 'it is alice' });
    expect((await asBob('invites')).stdout).toContain(`${incoming.id}  from ${alice.address}  pending  "it is alice"`);

    expect(await asBob('accept', incoming.id)).toMatchObject({
      code: 0,
      stdout: `accepted the invite from ${alice.address}\n`,
    });
    expect((await asAlice('friends', '--json')).json.friends).toEqual([
      expect.objectContaining({ friendUserId: bob.address }),
    ]);

    const sent = await asAlice('send', 'bob', 'hello bob', '--json');
    expect(sent.json).toMatchObject({ state: 'done', message: { status: 'sent', content: 'hello bob' } });

    const inbox = await asBob('inbox', '--json');
    expect(inbox.json.conversations).toEqual([
      expect.objectContaining({ peerUserId: alice.address, unreadCount: 1, lastMessageContent: 'hello bob' }),
    ]);
    expect((await asBob('inbox')).stdout).toMatch(new RegExp(`^${alice.address}  1 unread  .*them: hello bob\n$`));

    const thread = await asBob('thread', alice.address, '--limit', '10', '--json');
    const [message] = thread.json.messages;
    expect(message).toMatchObject({ content: 'hello bob', status: 'received', readAt: null });
    expect((await asBob('thread', 'alice')).stdout).toContain(`${alice.address}: hello bob  (${message.id})`);

    expect(await asBob('read', message.id)).toMatchObject({ code: 0, stdout: 'marked read\n' });
    const afterRead = await asAlice('thread', 'bob', '--json');
    expect(afterRead.json.messages[0].readAt).not.toBeNull();
    expect((await asBob('inbox', '--json')).json.conversations[0].unreadCount).toBe(0);
  });

  it('queues while the node is down ("queued; will retry"), lists the outbox, and delivers once on sync', async () => {
    await node.stop();
    const queued = await asAlice('send', 'bob', 'sent during the outage');
    expect(queued.code).toBe(0);
    expect(queued.stdout).toMatch(/^queued; will retry \(cannot reach .*\)\n$/);
    expect(queued.stderr).toBe('');

    const outbox = await asAlice('outbox', '--json');
    expect(outbox.json.outbox).toEqual([
      expect.objectContaining({ operation: expect.objectContaining({ kind: 'send' }), state: 'pending', attempts: 1 }),
    ]);
    const { clientMessageId } = outbox.json.outbox[0].operation;
    expect((await asAlice('outbox')).stdout).toMatch(
      /^#\d+ {2}send \S+ {2}pending {2}attempts 1 .*last error: cannot reach/,
    );
    const offlineInbox = await asAlice('inbox');
    expect(offlineInbox.code).toBe(0);
    expect(offlineInbox.stderr).toMatch(/^offline: showing the local copy/);

    await node.restart();
    const synced = await asAlice('sync', '--json');
    expect(synced.json).toMatchObject({ online: true, flush: { applied: 1, failed: 0, pending: 0 } });
    expect((await asAlice('outbox')).stdout).toBe('outbox empty\n');
    // By its clientMessageId: a node with a key directory holds the text only as ciphertext.
    const copies = (await serverThread(node.url, bob, alice.address)).filter(
      (m) => m.clientMessageId === clientMessageId,
    );
    expect(copies).toHaveLength(1);
  });

  it('reports what the server refuses, with its message and exit code 1', async () => {
    const carol = await signUp(node.node, 'carol');
    const refused = await asAlice('send', carol.address, 'we are not friends');
    expect(refused.code).toBe(1);
    expect(refused.stdout).toMatch(/^failed: .*friend/);
    expect((await asAlice('outbox', '--json')).json.outbox).toEqual([
      expect.objectContaining({ state: 'failed', lastError: expect.stringMatching(/friend/) }),
    ]);
  });

  it('retries a failed entry once it can succeed, and discards one that cannot with its unsent message', async () => {
    const carol = await signUp(node.node, 'carol-again');
    const failedSend = async (to: TestUser, content: string) => {
      expect((await asAlice('send', to.address, content)).code).toBe(1);
      return (await asAlice('outbox', '--json')).json.outbox.filter((entry: any) => entry.state === 'failed').at(-1);
    };
    const toCarol = await failedSend(carol, 'before we were friends');
    expect(await asAlice('retry', `#${toCarol.id}`)).toMatchObject({
      code: 1,
      stdout: expect.stringMatching(/^failed/),
    });

    await befriend(node.node, alice, carol);
    expect(await asAlice('retry', `#${toCarol.id}`)).toMatchObject({
      code: 0,
      stdout: `done: send ${toCarol.operation.clientMessageId}\n`,
    });
    expect((await serverThread(node.url, carol, alice.address)).map((m) => m.content)).toContain(
      'before we were friends',
    );

    const dave = await signUp(node.node, 'dave');
    const toDave = await failedSend(dave, 'never delivered');
    expect(await asAlice('discard', String(toDave.id))).toMatchObject({
      code: 0,
      stdout: `discarded #${toDave.id}  send ${toDave.operation.clientMessageId}\n`,
    });
    expect((await asAlice('thread', dave.address, '--offline', '--json')).json.messages).toEqual([]);
    const leftovers = (await asAlice('outbox', '--json')).json.outbox.map((entry: any) => entry.id);
    expect(leftovers).not.toContain(toDave.id);
    expect(leftovers).not.toContain(toCarol.id);

    expect(await asAlice('retry', `#${toDave.id}`)).toMatchObject({
      code: 1,
      stderr: expect.stringMatching(/no outbox entry/),
    });
    expect((await asAlice('discard', 'four')).code).toBe(2);
  });

  it('revokes an invite and ends a friendship', async () => {
    const erin = await signUp(node.node, 'erin');
    const invited = await asAlice('invite', erin.address, '--json');
    expect(await asAlice('revoke', invited.json.invite.id)).toMatchObject({
      code: 0,
      stdout: `revoked the invite to ${erin.address}\n`,
    });
    const erinsInvites = await request(node.url).get('/api/friends/invites').set(bearer(erin)).expect(200);
    expect(erinsInvites.body.incoming).toEqual([
      expect.objectContaining({ id: invited.json.invite.id, status: 'revoked' }),
    ]);

    expect(await asAlice('unfriend', 'carol-again')).toMatchObject({
      code: 0,
      stdout: `no longer friends with carol-again@${node.node.server}\n`,
    });
    const friends = await request(node.url).get('/api/friends').set(bearer(alice)).expect(200);
    expect(friends.body.friends.map((f: any) => f.friendUserId)).toEqual([bob.address]);
    expect((await asAlice('friends', '--json')).json.friends.map((f: any) => f.friendUserId)).toEqual([bob.address]);
  });

  it('accepts an invite that arrived after its last sync, as in the README (it syncs first)', async () => {
    const frank = await signUp(node.node, 'frank');
    await mylife(['--profile', 'frank', 'login', '--server', node.url, '--username', 'frank'], {
      env: { MYLIFE_PASSWORD: DEFAULT_PASSWORD },
    });
    const invited = await asAlice('invite', frank.address, '--json');
    expect(await mylife(['--profile', 'frank', 'accept', invited.json.invite.id])).toMatchObject({
      code: 0,
      stdout: `accepted the invite from ${alice.address}\n`,
    });
  });

  it('takes --server as host:port (http:// on this machine) and says what it wants for anything else', async () => {
    const hostAndPort = new URL(node.url).host;
    const login = await mylife(['--profile', 'alice-bare', 'login', '--server', hostAndPort, '--username', 'alice'], {
      env: { MYLIFE_PASSWORD: DEFAULT_PASSWORD },
    });
    expect(login).toMatchObject({
      code: 0,
      stdout: `logged in as ${alice.address} on http://${hostAndPort}\n`,
      stderr: `--server has no scheme: using http://${hostAndPort}\n`,
    });

    const wrong = await mylife(
      ['--profile', 'alice-ftp', 'login', '--server', `ftp://${hostAndPort}`, '--username', 'alice'],
      {
        env: { MYLIFE_PASSWORD: DEFAULT_PASSWORD },
      },
    );
    expect(wrong).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/--server is the node's URL, such as http:\/\//),
    });
  });

  it('follows live changes with sync --watch until interrupted', async () => {
    let interrupt!: () => void;
    const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
    const watching = mylife(['--profile', 'bob', 'sync', '--watch', '--json'], { until: interrupted });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await asAlice('send', 'bob', 'are you watching?');
    const deadline = Date.now() + 10_000;
    let received = false;
    while (!received && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      received = (await asBob('thread', 'alice', '--offline', '--json')).json.messages.some(
        (m: any) => m.content === 'are you watching?',
      );
    }
    interrupt();
    const watch = await watching;
    expect(watch.code).toBe(0);
    const events = ([] as any[]).concat(watch.json);
    expect(events).toContainEqual(expect.objectContaining({ event: 'connection', state: 'online' }));
    expect(events).toContainEqual(
      expect.objectContaining({
        event: 'message-received',
        message: expect.objectContaining({ content: 'are you watching?' }),
      }),
    );
  });

  it('answers wrong usage with exit code 2 and a missing login with exit code 1', async () => {
    expect((await mylife(['send', 'bob'])).code).toBe(2);
    expect((await mylife(['bogus'])).code).toBe(2);
    expect((await mylife(['inbox', '--limit', '3'])).code).toBe(2);
    expect((await mylife(['--json', 'send'])).json).toMatchObject({ error: { kind: 'usage' } });
    const notLoggedIn = await mylife(['--profile', 'nobody', 'inbox']);
    expect(notLoggedIn).toMatchObject({ code: 1, stderr: expect.stringMatching(/not logged in/) });
  });

  it('runs as a real process: queued and no stack trace when the server is unreachable', async () => {
    const build = await buildClient();
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, [join(build, 'cli/main.js'), '--db', join(home, 'alice.sqlite'), ...args], {
        env: { ...process.env, MYLIFE_HOME: home },
      }).then(
        (done) => ({ code: 0, ...done }),
        (error) => ({ code: error.code as number, stdout: error.stdout as string, stderr: error.stderr as string }),
      );
    await node.stop();
    const queued = await run(['send', 'bob', 'from a real process']);
    expect(queued).toMatchObject({ code: 0, stderr: '' });
    expect(queued.stdout).toMatch(/^queued; will retry/);
    const usage = await run(['send']);
    expect(usage.code).toBe(2);
    expect(usage.stderr).not.toMatch(/\n\s+at /);
    await node.restart();
    expect((await run(['sync'])).stdout).toMatch(/^synced: 1 sent/);
  });
});
