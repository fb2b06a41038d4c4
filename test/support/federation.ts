import request from 'supertest';
import { bearer, signUp, TestUser } from './factories';
import { startTestNode, TestNode } from './test-node';

/** Loopback federation: plain HTTP and private addresses allowed, short backoffs so that tests stay quick. */
export const FEDERATION_TEST_ENV = {
  MYLIFE_FEDERATION_ALLOW_INSECURE_HTTP: 'true',
  MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS: 'true',
  MYLIFE_FEDERATION_BACKOFF_BASE_MS: '200',
  MYLIFE_FEDERATION_BACKOFF_MAX_MS: '1000',
  MYLIFE_FEDERATION_RECONCILE_MS: '1000',
  MYLIFE_FEDERATION_TIMEOUT_MS: '3000',
};

export function startFederatedNode(env: Record<string, string | undefined> = {}): Promise<TestNode> {
  return startTestNode({ ...FEDERATION_TEST_ENV, ...env });
}

export interface Resident extends TestUser {
  node: TestNode;
}

export async function resident(node: TestNode, username: string): Promise<Resident> {
  return { ...(await signUp(node, username)), node };
}

/** Polls `check` until it returns a value that is not undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`${what} not met within ${timeoutMs} ms${last ? `: ${String(last)}` : ''}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Two nodes on loopback, each with its overrides of the settings above, and alice@A and bob@B friends. */
export async function friendsAcross(
  envA: Record<string, string | undefined> = {},
  envB: Record<string, string | undefined> = {},
): Promise<{ nodeA: TestNode; nodeB: TestNode; alice: Resident; bob: Resident }> {
  const [nodeA, nodeB] = await Promise.all([startFederatedNode(envA), startFederatedNode(envB)]);
  const [alice, bob] = await Promise.all([resident(nodeA, 'alice'), resident(nodeB, 'bob')]);
  await befriendAcross(alice, bob);
  return { nodeA, nodeB, alice, bob };
}

/** `a` invites `b` across servers, `b` accepts on their own node, and both nodes agree they are friends. */
export async function befriendAcross(a: Resident, b: Resident): Promise<string> {
  const sent = await request(a.node.url)
    .post('/api/friends/invites')
    .set(bearer(a))
    .send({ toUserId: b.address })
    .expect(201);
  const inviteId: string = sent.body.invite.id;
  await eventually(
    async () => {
      const incoming = await request(b.node.url)
        .get('/api/friends/invites?direction=incoming&status=pending')
        .set(bearer(b));
      return incoming.body.incoming?.some((invite: { id: string }) => invite.id === inviteId);
    },
    10_000,
    'invite reached the other node',
  );
  await request(b.node.url).post(`/api/friends/invites/${inviteId}/accept`).set(bearer(b)).send({}).expect(200);
  await eventually(
    async () => {
      const friends = await request(a.node.url).get('/api/friends').set(bearer(a));
      return friends.body.friends?.some((friend: { friendUserId: string }) => friend.friendUserId === b.address);
    },
    10_000,
    'acceptance reached the inviting node',
  );
  return inviteId;
}

export interface ThreadMessage {
  id: string;
  clientMessageId: string;
  /** `application/e2ee+ciphertext` for a message sealed end to end: `content` is then its envelope. */
  contentType: string;
  content: string;
  fromUserId: string;
  readAt: string | null;
  deliveryStatus?: string;
  /** The order of the message in its conversation on the node that listed it. */
  seq: number;
}

/** A message from `from` to `to` (an address), posted on `from`'s node. */
export async function sendAcross(from: Resident, to: string, content: string): Promise<ThreadMessage> {
  const response = await request(from.node.url)
    .post('/api/messages')
    .set(bearer(from))
    .send({ toUserId: to, content })
    .expect(201);
  return response.body as ThreadMessage;
}

/** `who`'s conversation with `friend`, as `who`'s node lists it. */
export async function threadOf(who: Resident, friend: string): Promise<ThreadMessage[]> {
  const response = await request(who.node.url).get(`/api/messages?friendUserId=${friend}`).set(bearer(who)).expect(200);
  return response.body.items as ThreadMessage[];
}

/** Waits until `who`'s conversation with `friend` holds a message matching `matches`, and returns it. */
export function untilInThread(
  who: Resident,
  friend: string,
  matches: (message: ThreadMessage) => boolean,
  what: string,
) {
  return eventually(async () => (await threadOf(who, friend)).find(matches), 10_000, what);
}

/** Waits until `sender` sees their message `messageId` to `friend` acked: a device of its recipient fetched it. */
export function untilAcked(sender: Resident, friend: string, messageId: string, what: string) {
  return untilInThread(
    sender,
    friend,
    (message) => message.id === messageId && message.deliveryStatus === 'acked',
    what,
  );
}
