import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { befriend, signUp, TestUser } from './support/factories';
import {
  buildClient,
  loggedInClient,
  openClient,
  removeTempDirs,
  RestartableNode,
  serverThread,
} from './support/client-harness';

describe('client library: offline outbox against a real node', () => {
  let node: RestartableNode;
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    node = await RestartableNode.start();
    alice = await signUp(node.node, 'alice');
    bob = await signUp(node.node, 'bob');
    await befriend(node.node, alice, bob);
  });

  afterAll(async () => {
    await node.destroy();
    removeTempDirs();
  });

  it('queues a message while the node is stopped and delivers it exactly once after the restart', async () => {
    const { client, path } = await loggedInClient(node.url, alice, 'offline-laptop');
    expect((await client.sync()).online).toBe(true);

    await node.stop();
    const queued = client.sendMessage(bob.address, 'written while the node was down');
    expect(queued).toMatchObject({ status: 'queued', id: null, toUserId: bob.address });
    const offline = await client.sync({ force: true });
    expect(offline).toMatchObject({ online: false, needsLogin: false });
    expect(client.connectionState).toBe('offline');
    expect(client.outbox()).toEqual([
      expect.objectContaining({ state: 'pending', attempts: 1, lastError: expect.stringMatching(/cannot reach/) }),
    ]);
    await client.close();

    await node.restart();
    const reopened = openClient(path);
    const report = await reopened.sync({ force: true });
    expect(report).toMatchObject({ online: true, flush: { applied: 1, failed: 0, pending: 0 } });
    await reopened.sync({ force: true });

    const onServer = (await serverThread(node.url, bob, alice.address)).filter(
      (message) => message.clientMessageId === queued.clientMessageId,
    );
    expect(onServer).toHaveLength(1);
    const local = reopened.allMessages().filter((message) => message.clientMessageId === queued.clientMessageId);
    expect(local).toEqual([expect.objectContaining({ status: 'sent', id: onServer[0]!.id })]);
    expect(reopened.outbox()).toEqual([]);
    await reopened.close();
  });

  it('makes no duplicate when the client is killed after the server stored a message but before it recorded that', async () => {
    const buildDir = await buildClient();
    const { client, path } = await loggedInClient(node.url, alice, 'crashing-phone');
    const queued = client.sendMessage(bob.address, 'sent just before the crash');
    await client.close();

    await runUntilServerAnsweredThenKill(buildDir, path);

    const afterCrash = openClient(path);
    expect(afterCrash.allMessages().find((m) => m.clientMessageId === queued.clientMessageId)).toMatchObject({
      status: 'queued',
      id: null,
    });
    const serverCopies = async () =>
      (await serverThread(node.url, bob, alice.address)).filter((m) => m.clientMessageId === queued.clientMessageId);
    expect(await serverCopies()).toHaveLength(1);

    const report = await afterCrash.sync({ force: true });
    expect(report.flush).toMatchObject({ applied: 1, failed: 0, pending: 0 });
    const [original] = await serverCopies();
    expect(await serverCopies()).toHaveLength(1);
    const local = afterCrash.allMessages().filter((m) => m.clientMessageId === queued.clientMessageId);
    expect(local).toEqual([expect.objectContaining({ status: 'sent', id: original!.id })]);
    await afterCrash.close();
  });

  it('replays an invite answer that the server applied before a crash as done, not failed', async () => {
    const carol = await signUp(node.node, 'carol');
    const { client: carolClient } = await loggedInClient(node.url, carol, 'carol-desk');
    const invite = carolClient.invite(alice.address, 'hi alice');
    expect((await carolClient.sync()).flush.applied).toBe(1);

    const buildDir = await buildClient();
    const { client, path } = await loggedInClient(node.url, alice, 'answering-phone');
    await client.sync();
    client.acceptInvite(invite.id);
    await client.close();
    await runUntilServerAnsweredThenKill(buildDir, path);

    const afterCrash = openClient(path);
    const report = await afterCrash.sync({ force: true });
    expect(report.flush).toMatchObject({ applied: 1, failed: 0 });
    expect(afterCrash.outbox()).toEqual([]);
    expect(afterCrash.friends().map((friend) => friend.friendUserId)).toContain(carol.address);
    expect(afterCrash.invites().find((i) => i.id === invite.id)?.status).toBe('accepted');
    await afterCrash.close();
    await carolClient.close();
  });
});

/** Runs a real sync in another process and SIGKILLs it right after the server's answer, before the local write. */
async function runUntilServerAnsweredThenKill(buildDir: string, databasePath: string): Promise<void> {
  const child = spawn(process.execPath, [join(__dirname, 'support/client-crash-child.cjs'), buildDir, databasePath], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (stdout.includes('server-answered')) resolve();
      if (stdout.includes('finished')) reject(new Error('the child finished without reaching the pause'));
    });
    child.on('exit', () => reject(new Error(`the child exited early: ${stderr}`)));
  });
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}
