import request from 'supertest';
import { bearer, befriend, signUp, TestUser } from './support/factories';
import { startTestNode, TestNode } from './support/test-node';

describe('friend invites and friendships', () => {
  let node: TestNode;
  let alice: TestUser, bob: TestUser, carol: TestUser, dave: TestUser, erin: TestUser;

  beforeAll(async () => {
    node = await startTestNode();
    [alice, bob, carol, dave, erin] = await Promise.all(
      ['alice', 'bob', 'carol', 'dave', 'erin'].map((name) => signUp(node, name)),
    );
  });
  afterAll(() => node.destroy());

  const invite = (from: TestUser, to: string, extra: object = {}) =>
    request(node.url)
      .post('/api/friends/invites')
      .set(bearer(from))
      .send({ toUserId: to, ...extra });
  const answer = (user: TestUser, id: string, action: 'accept' | 'decline' | 'revoke') =>
    request(node.url).post(`/api/friends/invites/${id}/${action}`).set(bearer(user)).send({});
  const friendsOf = async (user: TestUser) =>
    (await request(node.url).get('/api/friends').set(bearer(user)).expect(200)).body.friends.map(
      (f: { friendUserId: string }) => f.friendUserId,
    );

  it('invites by username, shows the invite to both sides, and accepting makes them friends', async () => {
    const created = await invite(alice, 'bob', { message: 'hi Bob' }).expect(201);
    expect(created.body).toEqual({
      ok: true,
      invite: expect.objectContaining({
        fromUserId: alice.address,
        toUserId: bob.address,
        status: 'pending',
        message: 'hi Bob',
        respondedAt: null,
      }),
    });
    const id = created.body.invite.id;

    const incoming = await request(node.url)
      .get('/api/friends/invites?direction=incoming&status=pending')
      .set(bearer(bob))
      .expect(200);
    expect(incoming.body).toMatchObject({ userId: bob.address, outgoing: [] });
    expect(incoming.body.incoming.map((i: { id: string }) => i.id)).toEqual([id]);
    const outgoing = await request(node.url)
      .get('/api/friends/invites?direction=outgoing')
      .set(bearer(alice))
      .expect(200);
    expect(outgoing.body.outgoing.map((i: { id: string }) => i.id)).toEqual([id]);

    const accepted = await answer(bob, id, 'accept').expect(200);
    expect(accepted.body.invite).toMatchObject({ id, status: 'accepted', respondedAt: expect.any(String) });
    expect(await friendsOf(alice)).toEqual([bob.address]);
    expect(await friendsOf(bob)).toEqual([alice.address]);
    const list = await request(node.url).get('/api/friends').set(bearer(alice)).expect(200);
    expect(list.body.friends[0]).toMatchObject({
      userId: alice.address,
      friendUserId: bob.address,
      status: 'accepted',
      sourceInviteId: id,
      displayName: 'bob',
      handle: 'bob',
    });
  });

  it('lets only the invitee accept or decline and only the inviter revoke, with 404 otherwise', async () => {
    const { body } = await invite(carol, dave.address).expect(201);
    const id = body.invite.id;
    await answer(carol, id, 'accept').expect(404);
    await answer(erin, id, 'accept').expect(404);
    await answer(carol, id, 'decline').expect(404);
    await answer(dave, id, 'revoke').expect(404);
    await answer(erin, id, 'revoke').expect(404);
    const declined = await answer(dave, id, 'decline').expect(200);
    expect(declined.body.invite.status).toBe('declined');
    // No longer pending: other answers are refused; repeating the same answer returns the invite as it is.
    await answer(dave, id, 'accept').expect(404);
    await answer(carol, id, 'revoke').expect(404);
    expect((await answer(dave, id, 'decline').expect(200)).body.invite.status).toBe('declined');
    expect(await friendsOf(dave)).toEqual([]);
  });

  it('lets the inviter revoke a pending invite, which the invitee can then no longer accept', async () => {
    const { body } = await invite(carol, erin.address).expect(201);
    await answer(carol, body.invite.id, 'revoke').expect(200);
    await answer(erin, body.invite.id, 'accept').expect(404);
    const revoked = await request(node.url).get('/api/friends/invites?status=revoked').set(bearer(erin)).expect(200);
    expect(revoked.body.incoming.map((i: { id: string }) => i.id)).toContain(body.invite.id);
  });

  it('returns the existing pending invite when asked twice (200), and accepts a crossing invite', async () => {
    const first = await invite(dave, 'erin').expect(201);
    const again = await invite(dave, 'erin').expect(200);
    expect(again.body.invite.id).toBe(first.body.invite.id);
    const crossing = await invite(erin, 'dave').expect(200);
    expect(crossing.body.invite).toMatchObject({ id: first.body.invite.id, status: 'accepted' });
    expect(await friendsOf(erin)).toContain(dave.address);
    await invite(erin, 'dave').expect(409);
  });

  it('refuses inviting yourself, unknown users and bad addresses', async () => {
    await invite(alice, 'alice').expect(400);
    await invite(alice, alice.address).expect(400);
    const unknown = await invite(alice, 'nobody').expect(404);
    expect(unknown.body.message).toMatch(/no user nobody@/);
    await invite(alice, 'not an address!').expect(400);
    await invite(alice, 'bob', { fromUserId: 'carol' }).expect(403);
  });

  it('unfriends both ways, and a second unfriend is 404', async () => {
    await befriend(node, carol, alice);
    await request(node.url).delete('/api/friends').set(bearer(alice)).send({ friendUserId: 'carol' }).expect(200);
    expect(await friendsOf(alice)).not.toContain(carol.address);
    expect(await friendsOf(carol)).not.toContain(alice.address);
    await request(node.url).delete('/api/friends').set(bearer(carol)).send({ friendUserId: alice.address }).expect(404);
    await request(node.url)
      .delete('/api/friends')
      .set(bearer(carol))
      .send({ friendUserId: 'alice', userId: 'bob' })
      .expect(403);
  });

  it('pages friends with a cursor', async () => {
    const paul = await signUp(node, 'paul');
    for (const friend of [alice, bob, carol]) await befriend(node, paul, friend);
    const first = await request(node.url).get('/api/friends?limit=2').set(bearer(paul)).expect(200);
    expect(first.body.friends).toHaveLength(2);
    const second = await request(node.url)
      .get(`/api/friends?limit=2&cursor=${first.body.nextCursor}`)
      .set(bearer(paul))
      .expect(200);
    expect(second.body.friends.map((f: { friendUserId: string }) => f.friendUserId)).toEqual([carol.address]);
    expect(second.body.nextCursor).toBeNull();
    await request(node.url).get('/api/friends?cursor=bogus').set(bearer(paul)).expect(400);
    // A page that ends the list has no next page, also when it is full.
    const whole = await request(node.url).get('/api/friends?limit=3').set(bearer(paul)).expect(200);
    expect(whole.body.friends).toHaveLength(3);
    expect(whole.body.nextCursor).toBeNull();
  });
});
