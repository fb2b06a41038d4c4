import request from 'supertest';
import { signBody } from '../src/signing/hmac';
import { bearer, secondDevice } from './support/factories';
import { eventually, friendsAcross, resident, Resident, startFederatedNode } from './support/federation';
import { deviceKeys, keysEvents, publishKeys, randomKey } from './support/keys';
import { PlainPeer } from './support/plain-peer';
import { queryDatabase } from './support/services';
import { TestNode } from './support/test-node';

const deviceIdsOf = (body: { devices: { deviceId: string }[] }) => body.devices.map((device) => device.deviceId);

describe('key directory across two nodes', () => {
  let nodeA: TestNode, nodeB: TestNode;
  let alice: Resident, bob: Resident, carol: Resident;

  beforeAll(async () => {
    ({ nodeA, nodeB, alice, bob } = await friendsAcross());
    carol = await resident(nodeA, 'carol');
  });
  afterAll(async () => {
    await Promise.all([nodeA?.destroy(), nodeB?.destroy()]);
  });

  it('announces the capability `keys`', async () => {
    const document = await request(nodeB.url).get('/.well-known/mylife-federation').expect(200);
    expect(document.body.capabilities).toContain('keys');
  });

  it("reads and claims a friend's keys on the other node, each package once, and keeps the answer for 60 s", async () => {
    const keys = deviceKeys('bob-laptop', 3);
    await publishKeys(nodeB, bob, keys).expect(200);
    // The notice of bob's new device drops node A's copy of his keys whenever it arrives: let it arrive first.
    await eventually(
      async () => (await keysEvents(nodeA, alice)).some((event) => event.address === bob.address),
      10_000,
      "the notice of bob's new device reached alice's node",
    );

    const directory = await request(nodeA.url).get(`/api/keys/${bob.address}`).set(bearer(alice)).expect(200);
    expect(directory.body).toEqual({
      address: bob.address,
      devices: [{ deviceId: 'bob-laptop', identityKey: keys.identityKey, updatedAt: expect.any(String) }],
    });
    const cached = await queryDatabase(
      nodeA.config.databaseUrl!,
      `SELECT devices FROM key_directory_cache WHERE address = $1 AND fetched_at > now() - interval '60 s'`,
      [bob.address],
    );
    expect(cached).toEqual([{ devices: directory.body.devices }]);

    const claims = [];
    for (let i = 0; i < 4; i++) {
      claims.push(
        (await request(nodeA.url).post('/api/keys/claim').set(bearer(alice)).send({ address: bob.address }).expect(200))
          .body,
      );
    }
    const handedOut = claims.map((claim) => claim.devices[0]);
    expect(
      handedOut
        .slice(0, 3)
        .map((device) => device.keyPackage)
        .sort(),
    ).toEqual([...keys.keyPackages].sort());
    expect(handedOut.map((device) => device.lastResort)).toEqual([false, false, false, true]);
    expect(handedOut[3]).toEqual({
      deviceId: 'bob-laptop',
      identityKey: keys.identityKey,
      keyPackage: keys.lastResortKeyPackage,
      lastResort: true,
    });
  });

  it('refuses a user who is not a friend with 403, on our side and on the owner’s side', async () => {
    const byStranger = await request(nodeA.url).get(`/api/keys/${bob.address}`).set(bearer(carol)).expect(403);
    expect(byStranger.body.message).toMatch(/not friends/);
    await request(nodeA.url).post('/api/keys/claim').set(bearer(carol)).send({ address: bob.address }).expect(403);

    // dave's node believes he is gus's friend; gus's node, which decides, does not. (A fresh owner: what alice's
    // queries kept is shared by the users of her node that it takes for friends.)
    const dave = await resident(nodeA, 'dave');
    const gus = await resident(nodeB, 'gus');
    await publishKeys(nodeB, gus, deviceKeys('gus-laptop', 1)).expect(200);
    await queryDatabase(
      nodeA.config.databaseUrl!,
      'INSERT INTO friendships (user_id, friend_user_id) VALUES ($1, $2)',
      [dave.address, gus.address],
    );
    const query = await request(nodeA.url).get(`/api/keys/${gus.address}`).set(bearer(dave));
    expect(query.status).toBe(403);
    expect(query.body.message).toBe(
      `you and ${gus.address} are not friends: an accepted friend invite is needed first`,
    );
    const claim = await request(nodeA.url).post('/api/keys/claim').set(bearer(dave)).send({ address: gus.address });
    expect(claim.status).toBe(403);
    const unknown = await request(nodeA.url).get(`/api/keys/nobody@${nodeB.server}`).set(bearer(alice));
    expect(unknown.status).toBe(403);
  });

  it("tells the owner's other devices, a local friend and a friend on another node of each key change", async () => {
    const erin = await resident(nodeB, 'erin');
    await request(nodeB.url).post('/api/friends/invites').set(bearer(erin)).send({ toUserId: 'bob' }).expect(201);
    const invites = await request(nodeB.url).get('/api/friends/invites?direction=incoming').set(bearer(bob));
    await request(nodeB.url)
      .post(`/api/friends/invites/${invites.body.incoming[0].id}/accept`)
      .set(bearer(bob))
      .send({})
      .expect(200);
    await request(nodeA.url).get(`/api/keys/${bob.address}`).set(bearer(alice)).expect(200);

    const bobTablet = await secondDevice(bob.node, bob, 'tablet');
    const tablet = deviceKeys('bob-tablet', 2);
    await publishKeys(nodeB, bobTablet, tablet).expect(200);
    const aliceHeard = (count: number) =>
      eventually(
        async () => {
          const events = (await keysEvents(nodeA, alice)).filter((event) => event.address === bob.address);
          return events.length >= count && events;
        },
        10_000,
        `${count} key changes of bob reached alice's node`,
      );
    expect(await aliceHeard(2)).toEqual([
      { address: bob.address, reason: 'device-added' },
      { address: bob.address, reason: 'device-added' },
    ]);
    // The notice dropped what alice's node kept: the new device shows at once, not after 60 s.
    const directory = await request(nodeA.url).get(`/api/keys/${bob.address}`).set(bearer(alice)).expect(200);
    expect(deviceIdsOf(directory.body)).toEqual(['bob-laptop', 'bob-tablet']);

    await publishKeys(nodeB, bobTablet, { ...tablet, identityKey: randomKey() }).expect(200);
    await request(nodeB.url).post('/api/auth/logout').set(bearer(bobTablet)).send({}).expect(200);
    const told = [
      { address: bob.address, reason: 'device-added' },
      { address: bob.address, reason: 'device-added' },
      { address: bob.address, reason: 'identity-reset' },
      { address: bob.address, reason: 'device-removed' },
    ];
    expect(await aliceHeard(4)).toEqual(told);
    expect(await keysEvents(nodeB, bob)).toEqual(told);
    expect(await keysEvents(nodeB, erin)).toEqual(told.slice(1));
    expect(await keysEvents(nodeA, carol)).toEqual([]);
    const after = await request(nodeA.url).get(`/api/keys/${bob.address}`).set(bearer(alice)).expect(200);
    expect(deviceIdsOf(after.body)).toEqual(['bob-laptop']);
  });

  it('answers from what it kept while the friend’s node is down, and 503 with a message for what it did not', async () => {
    const frank = await resident(nodeB, 'frank');
    await request(nodeB.url)
      .post('/api/friends/invites')
      .set(bearer(frank))
      .send({ toUserId: alice.address })
      .expect(201);
    const invite = await eventually(async () => {
      const incoming = await request(nodeA.url)
        .get('/api/friends/invites?direction=incoming&status=pending')
        .set(bearer(alice));
      return incoming.body.incoming?.find((item: { fromUserId: string }) => item.fromUserId === frank.address);
    });
    await request(nodeA.url).post(`/api/friends/invites/${invite.id}/accept`).set(bearer(alice)).send({}).expect(200);
    await request(nodeA.url).get(`/api/keys/${bob.address}`).set(bearer(alice)).expect(200);

    await nodeB.stop();
    const kept = await request(nodeA.url).get(`/api/keys/${bob.address}`).set(bearer(alice)).expect(200);
    expect(deviceIdsOf(kept.body)).toEqual(['bob-laptop']);
    const unreachable = await request(nodeA.url).get(`/api/keys/${frank.address}`).set(bearer(alice));
    expect(unreachable.status).toBe(503);
    expect(unreachable.body.message).toMatch(new RegExp(`^${nodeB.server} cannot be reached now`));
    const claim = await request(nodeA.url).post('/api/keys/claim').set(bearer(alice)).send({ address: bob.address });
    expect(claim.status).toBe(503);
  });
});

describe('claim limit of a peer server', () => {
  let nodeA: TestNode, nodeB: TestNode;
  let alice: Resident, bob: Resident;

  beforeAll(async () => {
    ({ nodeA, nodeB, alice, bob } = await friendsAcross({}, { MYLIFE_KEY_CLAIM_LIMIT_PER_HOUR: '2' }));
    await publishKeys(nodeB, bob, deviceKeys('bob-laptop', 10)).expect(200);
  });
  afterAll(async () => {
    await Promise.all([nodeA?.destroy(), nodeB?.destroy()]);
  });

  it("passes the owner's node's 429 on to the client, with its Retry-After and message", async () => {
    for (let i = 0; i < 2; i++) {
      await request(nodeA.url).post('/api/keys/claim').set(bearer(alice)).send({ address: bob.address }).expect(200);
    }
    const refused = await request(nodeA.url).post('/api/keys/claim').set(bearer(alice)).send({ address: bob.address });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3000);
    expect(refused.body.message).toMatch(
      new RegExp(`^${nodeB.server}: too many key package claims: at most 2 per hour; try again in \\d+ s$`),
    );
  });
});

describe('key directory and a plain MyLife node', () => {
  const SHARED_KEY = 'keys-shared-key-0123456789';
  const peer = new PlainPeer(SHARED_KEY);
  let node: TestNode;
  let bob: Resident;
  let yara: string;

  beforeAll(async () => {
    await peer.start();
    node = await startFederatedNode({ MYLIFE_FEDERATION_SHARED_KEYS: `${peer.name}=${SHARED_KEY}` });
    bob = await resident(node, 'bob');
    yara = `yara@${peer.name}`;
    await request(node.url).post('/api/friends/invites').set(bearer(bob)).send({ toUserId: yara }).expect(201);
    await eventually(async () => {
      const friends = await request(node.url).get('/api/friends').set(bearer(bob)).expect(200);
      return friends.body.friends.some((friend: { friendUserId: string }) => friend.friendUserId === yara);
    });
  });
  afterAll(async () => {
    await node?.destroy();
    await peer.stop();
  });

  it('answers 404 with code `no-key-directory` for its users: their conversations are not encrypted', async () => {
    const query = await request(node.url).get(`/api/keys/${yara}`).set(bearer(bob)).expect(404);
    expect(query.body).toMatchObject({
      statusCode: 404,
      code: 'no-key-directory',
      message: `${peer.name} has no key directory (a plain MyLife node): conversations with ${yara} are not encrypted`,
    });
    const claim = await request(node.url).post('/api/keys/claim').set(bearer(bob)).send({ address: yara }).expect(404);
    expect(claim.body.code).toBe('no-key-directory');
  });

  it('has no key change to tell it: the notice is settled without a request', async () => {
    await publishKeys(node, bob, deviceKeys('bob-laptop', 1)).expect(200);
    const row = await eventually(async () => {
      const [found] = await queryDatabase(
        node.config.databaseUrl!,
        `SELECT status, last_error FROM federation_message_outbox WHERE kind = 'key-change'`,
      );
      return found?.status === 'sent' && found;
    });
    expect(row.last_error).toMatch(/announces no keys capability/);
    expect(peer.received).toEqual([]);
  });

  it('refuses a malformed or misattributed signed notice with 4xx and a message', async () => {
    const post = async (path: string, body: Record<string, unknown>) => {
      const raw = JSON.stringify(body);
      const timestamp = new Date().toISOString();
      const response = await fetch(`${node.url}${path}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-mylife-federation-server': peer.name,
          'x-mylife-federation-timestamp': timestamp,
          'x-mylife-federation-signature': signBody(SHARED_KEY, timestamp, raw),
        },
        body: raw,
      });
      return { status: response.status, body: (await response.json()) as { message: string } };
    };
    const bogusReason = await post('/api/federation/inbox/key-changes', { address: yara, reason: 'bogus' });
    expect(bogusReason).toEqual({
      status: 400,
      body: expect.objectContaining({ message: expect.stringMatching(/^reason must be one of device-added/) }),
    });
    const notTheirs = await post('/api/federation/inbox/key-changes', { address: bob.address, reason: 'device-added' });
    expect(notTheirs.status).toBe(403);
    expect(notTheirs.body.message).toMatch(/is not a user of the signing server/);
    const told = await post('/api/federation/inbox/key-changes', { address: yara, reason: 'identity-reset' });
    expect(told.status).toBe(200);
    expect(await keysEvents(node, bob)).toContainEqual({ address: yara, reason: 'identity-reset' });
    const notAFriend = await post('/api/federation/keys/query', { requester: `zed@${peer.name}`, address: 'bob' });
    expect(notAFriend.status).toBe(403);
    const noSuchUser = await post('/api/federation/keys/claim', { requester: yara, address: 'nobody' });
    expect(noSuchUser.status).toBe(404);
    const badDevice = await post('/api/federation/keys/claim', { requester: yara, address: 'bob', deviceIds: ['a b'] });
    expect(badDevice.status).toBe(400);
    const ownKeys = await post('/api/federation/keys/query', { requester: yara, address: 'bob' });
    expect(ownKeys.status).toBe(200);
    expect(deviceIdsOf(ownKeys.body as never)).toEqual(['bob-laptop']);
  });
});
