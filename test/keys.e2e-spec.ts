import request from 'supertest';
import { bearer, befriend, login, secondDevice, signUp, TestUser } from './support/factories';
import { deviceKeys, keysEvents, publishKeys, randomKey } from './support/keys';
import { queryDatabase } from './support/services';
import { startTestNode, TestNode } from './support/test-node';

describe('key directory on one node', () => {
  let node: TestNode;
  let alice: TestUser, bob: TestUser, carol: TestUser;

  beforeAll(async () => {
    node = await startTestNode({ MYLIFE_KEY_CLAIM_LIMIT_PER_HOUR: '1000' });
    [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => signUp(node, name)));
    await befriend(node, alice, bob);
  });
  afterAll(() => node.destroy());

  it('publishes a device, and shows it to its owner and to friends, never to strangers', async () => {
    const keys = deviceKeys('alice-laptop', 5);
    const published = await publishKeys(node, alice, keys).expect(200);
    expect(published.body).toEqual({
      deviceId: 'alice-laptop',
      identityKey: keys.identityKey,
      keyPackagesAvailable: 5,
      lastResort: true,
    });
    const expected = {
      address: alice.address,
      devices: [{ deviceId: 'alice-laptop', identityKey: keys.identityKey, updatedAt: expect.any(String) }],
    };
    expect((await request(node.url).get('/api/keys/alice').set(bearer(alice)).expect(200)).body).toEqual(expected);
    const byFriend = await request(node.url).get(`/api/keys/${alice.address}`).set(bearer(bob)).expect(200);
    expect(byFriend.body).toEqual(expected);
    const byStranger = await request(node.url).get('/api/keys/alice').set(bearer(carol)).expect(403);
    expect(byStranger.body.message).toMatch(/not friends/);
    await request(node.url).get('/api/keys/nobody').set(bearer(alice)).expect(404);
    const unnamed = await request(node.url).get('/api/keys/not%20an%20address').set(bearer(alice)).expect(400);
    expect(unnamed.body.message).toMatch(/address must be a username or an address/);
  });

  it('refuses malformed keys with 400 and a message naming the field, never 500', async () => {
    const keys = deviceKeys('alice-checks', 2);
    const refusals: [string, Record<string, unknown>, RegExp][] = [
      ['padded base64', { identityKey: `${randomKey(31)}=` }, /identityKey must be base64url without padding/],
      ['standard base64', { identityKey: randomKey(32).replace(/-/g, '+').replace(/_/g, '/') + '+/' }, /identityKey/],
      ['a 31-byte identity key', { identityKey: randomKey(31) }, /identityKey .*decodes to 32 bytes/],
      ['a 33-byte identity key', { identityKey: randomKey(33) }, /identityKey .*decodes to 32 bytes/],
      ['no identity key', { identityKey: undefined }, /identityKey/],
      ['a key package of 4097 bytes', { keyPackages: [randomKey(4097)] }, /each value in keyPackages .*1-4096 bytes/],
      ['an empty key package', { keyPackages: [''] }, /keyPackages/],
      ['a key package that is a number', { keyPackages: [42] }, /keyPackages/],
      ['101 key packages', { keyPackages: Array(101).fill(randomKey(10)) }, /at most 100 key packages/],
      ['a last-resort package in base64 with padding', { lastResortKeyPackage: 'AAA=' }, /lastResortKeyPackage/],
      ['a device id with a space', { deviceId: 'my laptop' }, /deviceId must be 1-64 characters of A-Z/],
      ['a device id of 65 characters', { deviceId: 'd'.repeat(65) }, /deviceId must be 1-64 characters/],
      ['an empty device id', { deviceId: '' }, /deviceId/],
      ['an unknown field', { privateKey: randomKey() }, /property privateKey should not exist/],
    ];
    for (const [what, change, message] of refusals) {
      const response = await publishKeys(node, alice, { ...keys, ...change } as never);
      expect({ what, status: response.status }).toEqual({ what, status: 400 });
      expect({ what, message: response.body.message }).toEqual({ what, message: expect.stringMatching(message) });
    }
    const claims: [Record<string, unknown>, RegExp][] = [
      [{}, /address/],
      [{ address: 'bob', deviceIds: ['ok', 'not ok'] }, /each value in deviceIds must be 1-64 characters/],
      [{ address: 'bob', deviceIds: Array(21).fill('d') }, /deviceIds may name at most 20 devices/],
      [{ address: 'bob', deviceIds: 'd' }, /deviceIds/],
    ];
    for (const [body, message] of claims) {
      const response = await request(node.url).post('/api/keys/claim').set(bearer(bob)).send(body).expect(400);
      expect(response.body.message).toMatch(message);
    }
  });

  it('keeps at most 200 unclaimed key packages per device, saying how many more it takes', async () => {
    const keys = deviceKeys('bob-phone', 100);
    await publishKeys(node, bob, keys).expect(200);
    const full = await publishKeys(node, bob, { ...keys, keyPackages: deviceKeys('x', 100).keyPackages }).expect(200);
    expect(full.body.keyPackagesAvailable).toBe(200);
    const beyond = await publishKeys(node, bob, { ...keys, keyPackages: [randomKey(100)] }).expect(400);
    expect(beyond.body.message).toBe(
      'device bob-phone holds 200 unclaimed key packages and may hold at most 200: send at most 0 more',
    );
  });

  it('hands each key package out once under 20 concurrent claims, then the last-resort package, again and again', async () => {
    const dave = await signUp(node, 'dave');
    await befriend(node, dave, bob);
    const keys = deviceKeys('dave-desk', 15);
    await publishKeys(node, dave, keys).expect(200);
    const claims = await Promise.all(
      Array.from({ length: 20 }, () =>
        request(node.url).post('/api/keys/claim').set(bearer(bob)).send({ address: 'dave' }).expect(200),
      ),
    );
    const handedOut = claims.map((claim) => claim.body.devices[0]);
    const singleUse = handedOut.filter((device) => !device.lastResort).map((device) => device.keyPackage);
    expect(singleUse).toHaveLength(15);
    expect(new Set(singleUse)).toEqual(new Set(keys.keyPackages));
    const lastResort = handedOut.filter((device) => device.lastResort);
    expect(lastResort.map((device) => device.keyPackage)).toEqual(Array(5).fill(keys.lastResortKeyPackage));
    for (let i = 0; i < 3; i++) {
      const again = await request(node.url).post('/api/keys/claim').set(bearer(bob)).send({ address: 'dave' });
      expect(again.body).toEqual({
        address: dave.address,
        devices: [
          {
            deviceId: 'dave-desk',
            identityKey: keys.identityKey,
            keyPackage: keys.lastResortKeyPackage,
            lastResort: true,
          },
        ],
      });
    }
    const [{ count }] = await queryDatabase(
      node.config.databaseUrl!,
      'SELECT count(*) FROM key_packages WHERE user_id = $1',
      [dave.address],
    );
    expect(Number(count)).toBe(0);
  });

  it("claims one package per device, the named ones only, and leaves out the caller's own device", async () => {
    const erin = await signUp(node, 'erin');
    await befriend(node, erin, bob);
    const erinPhone = await secondDevice(node, erin, 'phone');
    const laptop = deviceKeys('erin-laptop', 3);
    const phone = deviceKeys('erin-phone', 3, { lastResort: false });
    await publishKeys(node, erin, laptop).expect(200);
    await publishKeys(node, erinPhone, phone).expect(200);

    const both = await request(node.url).post('/api/keys/claim').set(bearer(bob)).send({ address: erin.address });
    expect(both.body.devices.map((device: { deviceId: string }) => device.deviceId)).toEqual([
      'erin-laptop',
      'erin-phone',
    ]);
    expect(laptop.keyPackages).toContain(both.body.devices[0].keyPackage);
    expect(phone.keyPackages).toContain(both.body.devices[1].keyPackage);

    const named = await request(node.url)
      .post('/api/keys/claim')
      .set(bearer(bob))
      .send({ address: 'erin', deviceIds: ['erin-phone', 'no-such-device'] })
      .expect(200);
    expect(named.body.devices).toEqual([expect.objectContaining({ deviceId: 'erin-phone', lastResort: false })]);

    const own = await request(node.url).post('/api/keys/claim').set(bearer(erin)).send({ address: 'erin' }).expect(200);
    expect(own.body.devices.map((device: { deviceId: string }) => device.deviceId)).toEqual(['erin-phone']);
    await request(node.url).post('/api/keys/claim').set(bearer(carol)).send({ address: 'erin' }).expect(403);

    // A device whose supply is spent and that has no last-resort package has nothing to hand out: it is left out.
    await request(node.url)
      .post('/api/keys/claim')
      .set(bearer(bob))
      .send({ address: 'erin', deviceIds: ['erin-phone'] });
    const spent = await request(node.url)
      .post('/api/keys/claim')
      .set(bearer(bob))
      .send({ address: 'erin', deviceIds: ['erin-phone'] })
      .expect(200);
    expect(spent.body.devices).toEqual([]);
  });

  it('binds a device to the token that published it: one token, one device id', async () => {
    const frank = await signUp(node, 'frank');
    const frankTablet = await secondDevice(node, frank, 'tablet');
    await publishKeys(node, frank, deviceKeys('frank-1', 1)).expect(200);
    const second = await publishKeys(node, frank, deviceKeys('frank-2', 1)).expect(409);
    expect(second.body.message).toMatch(/this access token published device frank-1 already/);
    const taken = await publishKeys(node, frankTablet, deviceKeys('frank-1', 1)).expect(409);
    expect(taken.body.message).toMatch(/deviceId frank-1 is another of your devices/);
  });

  it('takes at most 20 devices with keys per user', async () => {
    const gina = await signUp(node, 'gina');
    for (let i = 0; i < 20; i++) {
      const device = i === 0 ? gina : await secondDevice(node, gina, `device-${i}`);
      await publishKeys(node, device, deviceKeys(`gina-${i}`, 0)).expect(200);
    }
    const extra = await secondDevice(node, gina, 'device-20');
    const refused = await publishKeys(node, extra, deviceKeys('gina-20', 0)).expect(400);
    expect(refused.body.message).toMatch(/you have 20 devices with keys, the most a user may have/);
  });

  it("tells the owner's devices and local friends of each key change, and not of new key packages", async () => {
    const hank = await signUp(node, 'hank');
    const ivy = await signUp(node, 'ivy');
    await befriend(node, hank, ivy);
    const hankPhone = await secondDevice(node, hank, 'phone');
    const laptop = deviceKeys('hank-laptop', 2);

    await publishKeys(node, hank, laptop).expect(200);
    await publishKeys(node, hank, { ...laptop, keyPackages: deviceKeys('x', 3).keyPackages }).expect(200);
    const newPackage = randomKey(50);
    const reset = await publishKeys(node, hank, { ...laptop, identityKey: randomKey(), keyPackages: [newPackage] });
    expect(reset.body).toMatchObject({ keyPackagesAvailable: 1, lastResort: true });
    await publishKeys(node, hankPhone, deviceKeys('hank-phone', 1)).expect(200);
    await request(node.url).post('/api/auth/logout').set(bearer(hankPhone)).send({}).expect(200);

    const told = [
      { address: hank.address, reason: 'device-added' },
      { address: hank.address, reason: 'identity-reset' },
      { address: hank.address, reason: 'device-added' },
      { address: hank.address, reason: 'device-removed' },
    ];
    expect(await keysEvents(node, hank)).toEqual(told);
    expect(await keysEvents(node, ivy)).toEqual(told);
    expect(await keysEvents(node, carol)).toEqual([]);
    const left = await request(node.url).get('/api/keys/hank').set(bearer(ivy)).expect(200);
    expect(left.body.devices.map((device: { deviceId: string }) => device.deviceId)).toEqual(['hank-laptop']);
    // The identity reset dropped the packages made with the old key: only the one sent with the new key is left.
    const claimed = await request(node.url).post('/api/keys/claim').set(bearer(ivy)).send({ address: 'hank' });
    expect(claimed.body.devices[0]).toMatchObject({
      keyPackage: newPackage,
      lastResort: false,
    });
  });

  it("deletes a device's keys when its token is revoked, replaced by a new login, or expires", async () => {
    const jane = await signUp(node, 'jane');
    await befriend(node, jane, bob);
    const tablet = await secondDevice(node, jane, 'tablet');
    const watch = await secondDevice(node, jane, 'watch');
    await publishKeys(node, jane, deviceKeys('jane-default', 1)).expect(200);
    await publishKeys(node, tablet, deviceKeys('jane-tablet', 1)).expect(200);
    await publishKeys(node, watch, deviceKeys('jane-watch', 1)).expect(200);
    const devices = async () =>
      (await request(node.url).get('/api/keys/jane').set(bearer(bob)).expect(200)).body.devices.map(
        (device: { deviceId: string }) => device.deviceId,
      );

    const tokens = await request(node.url).get('/api/auth/tokens').set(bearer(jane)).expect(200);
    const tabletToken = tokens.body.items.find((token: { deviceName: string }) => token.deviceName === 'tablet').id;
    await request(node.url).delete(`/api/auth/tokens/${tabletToken}`).set(bearer(jane)).expect(200);
    expect(await devices()).toEqual(['jane-default', 'jane-watch']);

    await login(node, 'jane', undefined, 'watch');
    expect(await devices()).toEqual(['jane-default']);

    // A token that expired (or was revoked where no hook ran: the operator CLI's password reset) loses its keys on the
    // next read, with the same key change.
    await queryDatabase(
      node.config.databaseUrl!,
      "UPDATE access_tokens SET expires_at = now() - interval '1 s' WHERE id = (SELECT token_id FROM device_keys WHERE device_id = 'jane-default')",
    );
    expect(await devices()).toEqual([]);
    expect((await keysEvents(node, bob)).filter((event) => event.address === jane.address)).toEqual([
      { address: jane.address, reason: 'device-added' },
      { address: jane.address, reason: 'device-added' },
      { address: jane.address, reason: 'device-added' },
      { address: jane.address, reason: 'device-removed' },
      { address: jane.address, reason: 'device-removed' },
      { address: jane.address, reason: 'device-removed' },
    ]);
    const [{ count }] = await queryDatabase(
      node.config.databaseUrl!,
      'SELECT count(*) FROM key_packages WHERE user_id = $1',
      [jane.address],
    );
    expect(Number(count)).toBe(0);
  });
});

describe('key claim limit', () => {
  let node: TestNode;
  let alice: TestUser, bob: TestUser;

  beforeAll(async () => {
    node = await startTestNode({ MYLIFE_KEY_CLAIM_LIMIT_PER_HOUR: '3' });
    [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => signUp(node, name)));
    await befriend(node, alice, bob);
    await publishKeys(node, alice, deviceKeys('alice-laptop', 10)).expect(200);
  });
  afterAll(() => node.destroy());

  it('answers 429 with Retry-After and a message past MYLIFE_KEY_CLAIM_LIMIT_PER_HOUR claims per user', async () => {
    for (let i = 0; i < 3; i++) {
      await request(node.url).post('/api/keys/claim').set(bearer(bob)).send({ address: 'alice' }).expect(200);
    }
    const refused = await request(node.url)
      .post('/api/keys/claim')
      .set(bearer(bob))
      .send({ address: 'alice' })
      .expect(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(3000);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(3600);
    expect(refused.body.message).toMatch(/^too many key package claims: at most 3 per hour; try again in \d+ s$/);
    // The refusal took nothing: the supply is as the three claims left it. Other users still claim.
    await request(node.url).post('/api/keys/claim').set(bearer(alice)).send({ address: 'alice' }).expect(200);
    const [{ count }] = await queryDatabase(node.config.databaseUrl!, 'SELECT count(*) FROM key_packages');
    expect(Number(count)).toBe(7);
  });
});
