import { removeTempDirs, tempDir } from './support/client-harness';
import { DEFAULT_PASSWORD } from './support/factories';
import { Resident, resident, startFederatedNode } from './support/federation';
import { runMylife, syncUntil, syncUntilReceived } from './support/mylife-cli';
import { TestNode } from './support/test-node';

const WAIT_MS = 15_000;

describe('mylife CLI between users of two federated nodes', () => {
  let home: string;
  let nodeA: TestNode;
  let nodeB: TestNode;
  let alice: Resident;
  let bob: Resident;
  let messageIdOnB: string;
  const asAlice = (...args: string[]) => runMylife(home, ['--profile', 'alice', ...args]);
  const asBob = (...args: string[]) => runMylife(home, ['--profile', 'bob', ...args]);

  beforeAll(async () => {
    home = tempDir();
    [nodeA, nodeB] = await Promise.all([startFederatedNode(), startFederatedNode()]);
    alice = await resident(nodeA, 'alice');
    bob = await resident(nodeB, 'bob');
  });

  afterAll(async () => {
    await Promise.all([nodeA?.destroy(), nodeB?.destroy()]);
    removeTempDirs();
  });

  it('logs alice in on node A and bob on node B', async () => {
    const env = { MYLIFE_PASSWORD: DEFAULT_PASSWORD };
    const aliceLogin = await runMylife(
      home,
      ['--profile', 'alice', 'login', '--server', nodeA.url, '--username', 'alice', '--json'],
      { env },
    );
    expect(aliceLogin.json).toMatchObject({ address: `alice@${nodeA.server}`, synced: true });
    const bobLogin = await runMylife(home, ['--profile', 'bob', 'login', '--server', nodeB.url, '--username', 'bob'], {
      env,
    });
    expect(bobLogin).toMatchObject({ code: 0, stdout: `logged in as bob@${nodeB.server} on ${nodeB.url}\n` });
  });

  it('invites across servers; the invite reaches bob, who accepts, and both nodes agree they are friends', async () => {
    const invite = await asAlice('invite', `bob@${nodeB.server}`, '--message', 'alice from node A', '--json');
    expect(invite.json).toMatchObject({ state: 'done', invite: { toUserId: bob.address, status: 'pending' } });
    const inviteId: string = invite.json.invite.id;

    await syncUntil(
      asBob,
      ['invites'],
      (json) => json.invites.some((i: any) => i.id === inviteId && i.status === 'pending'),
      'the invite reached node B',
      WAIT_MS,
    );
    const listed = await asBob('invites');
    expect(listed.stdout).toContain(`${inviteId}  from ${alice.address}  pending  "alice from node A"`);

    expect(await asBob('accept', inviteId)).toMatchObject({
      code: 0,
      stdout: `accepted the invite from ${alice.address}\n`,
    });
    expect((await asBob('friends', '--json')).json.friends).toEqual([
      expect.objectContaining({ friendUserId: alice.address }),
    ]);
    await syncUntil(
      asAlice,
      ['friends'],
      (json) => json.friends.some((f: any) => f.friendUserId === bob.address),
      'the acceptance reached node A',
      WAIT_MS,
    );
    const aliceInvites = await asAlice('invites', '--offline', '--json');
    expect(aliceInvites.json.invites).toEqual([expect.objectContaining({ id: inviteId, status: 'accepted' })]);
  });

  it('sends across; bob sees it in his inbox and thread, marks it read, and both outboxes are empty', async () => {
    const sent = await asAlice('send', bob.address, 'hello from node A', '--json');
    expect(sent.json).toMatchObject({
      state: 'done',
      message: { status: 'sent', content: 'hello from node A', toUserId: bob.address, seq: expect.any(Number) },
    });
    expect(sent.json.message.deliveryStatus).toMatch(/^(pending|sent|acked)$/);

    const received = await syncUntilReceived(asBob, alice.address, 'hello from node A', WAIT_MS);
    expect(received).toMatchObject({
      status: 'received',
      fromUserId: alice.address,
      readAt: null,
      seq: expect.any(Number),
      deliveryStatus: null,
    });
    messageIdOnB = received.id;

    const inbox = await asBob('inbox', '--json');
    expect(inbox.json.conversations).toEqual([
      expect.objectContaining({ peerUserId: alice.address, unreadCount: 1, lastMessageContent: 'hello from node A' }),
    ]);
    expect((await asBob('inbox')).stdout).toMatch(
      new RegExp(`^${escape(alice.address)}  1 unread  .*them: hello from node A\n$`),
    );
    expect((await asBob('thread', alice.address)).stdout).toContain(
      `${alice.address}: hello from node A  (${messageIdOnB})`,
    );

    expect(await asBob('read', messageIdOnB)).toMatchObject({ code: 0, stdout: 'marked read\n' });
    expect((await asBob('inbox', '--json')).json.conversations[0].unreadCount).toBe(0);
    expect((await asBob('outbox')).stdout).toBe('outbox empty\n');
    expect((await asAlice('outbox')).stdout).toBe('outbox empty\n');
  });

  it("shows on alice's side that the message was delivered and read", async () => {
    const delivered = await syncUntil(
      asAlice,
      ['thread', 'bob@' + nodeB.server],
      (json) => {
        const message = json.messages.find((m: any) => m.content === 'hello from node A');
        return message?.deliveryStatus === 'acked' && message.readAt !== null && message;
      },
      'the delivery receipt and the read receipt reached node A',
      WAIT_MS,
    );
    expect(delivered).toMatchObject({
      status: 'sent',
      deliveryStatus: 'acked',
      deliveryAttempts: expect.any(Number),
      lastDeliveryError: null,
    });
    expect(delivered.deliveryAttempts).toBeGreaterThanOrEqual(1);
    const text = (await asAlice('thread', bob.address, '--offline')).stdout;
    expect(text).toMatch(/me: hello from node A {2}\[delivery: acked, read \d{4}-\d\d-\d\d \d\d:\d\d\] {2}\(/);
  });

  it("orders alice's thread by node A's seq", async () => {
    await asBob('send', alice.address, 'reply from node B');
    await syncUntil(
      asAlice,
      ['thread', bob.address],
      (json) => json.messages.some((m: any) => m.content === 'reply from node B'),
      'the reply reached node A',
      WAIT_MS,
    );
    await asAlice('send', bob.address, 'and another from A');
    const thread = (await asAlice('thread', bob.address, '--offline', '--json')).json.messages;
    expect(thread.map((m: any) => m.content)).toEqual(['hello from node A', 'reply from node B', 'and another from A']);
    const seqs: number[] = thread.map((m: any) => m.seq);
    expect(seqs.every((seq, index) => index === 0 || seq > seqs[index - 1]!)).toBe(true);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
