import { DeliveryWait, DestinationHealth } from '../src/federation/destination-health.service';
import { startFederatedNode } from './support/federation';
import { queryDatabase } from './support/services';
import { TestNode } from './support/test-node';

/**
 * The pacing of deliveries to a peer that announces its quota, on the node's database: turns are asked of
 * DestinationHealth as a delivery job asks them. Time passing is played by moving the destination's clocks back.
 */
describe('pacing to a peer’s announced quota', () => {
  let node: TestNode;
  let health: DestinationHealth;
  const policy = { 'ratelimit-policy': '5;w=60' };

  beforeAll(async () => {
    node = await startFederatedNode();
    health = node.app.get(DestinationHealth);
  });
  afterAll(() => node?.destroy());

  const destination = async (server: string) => {
    await queryDatabase(node.config.databaseUrl!, 'INSERT INTO federation_destinations (server) VALUES ($1)', [server]);
    return server;
  };
  const turns = async (server: string, count: number) => {
    const waits: (DeliveryWait | null)[] = [];
    for (let turn = 0; turn < count; turn++) waits.push(await health.admit(server));
    return waits;
  };

  it('counts what the peer says it has taken already when it first tells its quota', async () => {
    const server = await destination('first-told.example');
    await health.noteQuota(server, { ...policy, ratelimit: 'limit=5, remaining=2, reset=60' });
    const waits = await turns(server, 3);
    expect(waits.slice(0, 2)).toEqual([null, null]);
    expect(waits[2]).toMatchObject({ reason: 'slot' });
  });

  it('makes every delivery wait for the reset of a window the peer says is used up', async () => {
    const server = await destination('used-up.example');
    await health.noteQuota(server, { ...policy, ratelimit: 'limit=5, remaining=0, reset=30' });
    const wait = await health.admit(server, { slotAt: Date.now() });
    expect(wait).toMatchObject({ reason: 'throttled' });
    expect(wait!.until.getTime()).toBeGreaterThan(Date.now() + 20_000);
  });

  it('takes turns reserved before a 429 again, instead of sending them all when the wait ends', async () => {
    const server = await destination('refused.example');
    await health.noteQuota(server, policy);
    expect(await turns(server, 5)).toEqual([null, null, null, null, null]);
    const reserved = (await turns(server, 3)).map((wait) => wait!.until.getTime());
    await health.recordThrottle(server, 40_000, '429 too many requests');
    const passedMs = 41_000;
    await queryDatabase(
      node.config.databaseUrl!,
      `UPDATE federation_destinations SET retry_at = retry_at - $2 * interval '1 millisecond',
         pace_at = pace_at - $2 * interval '1 millisecond'
       WHERE server = $1`,
      [server, passedMs],
    );
    const woken: (DeliveryWait | null)[] = [];
    for (const slotAt of reserved) woken.push(await health.admit(server, { slotAt: slotAt - passedMs }));
    expect(woken.filter((wait) => wait === null).length).toBeLessThanOrEqual(1);
    const later = woken.filter((wait) => wait !== null).map((wait) => wait.until.getTime());
    expect(new Set(later).size).toBe(later.length);
  });
});
