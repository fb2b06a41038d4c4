import fc from 'fast-check';
import { loadOpenApi } from '../bench/lib/fuzz';
import { requestArb } from '../bench/lib/fuzz-requests';
import { describeExchange, FuzzWorld, problemWith } from '../bench/lib/fuzz-world';
import { PlainPeer } from './support/plain-peer';
import { startTestNode, TEST_ADMIN_TOKEN, TestNode } from './support/test-node';

const PEER_KEY = 'fuzz-spec-peer-key-0123456789';

/**
 * The short version of `npm run test:fuzz` (10,000 requests to a node process): a few hundred requests generated
 * from openapi.json, with a fixed seed, against a test node, so that the normal suite keeps the property.
 */
describe('fuzz: requests generated from openapi.json', () => {
  let node: TestNode;
  let peer: PlainPeer;
  let world: FuzzWorld;

  beforeAll(async () => {
    peer = new PlainPeer(PEER_KEY);
    await peer.start();
    node = await startTestNode({
      MYLIFE_FEDERATION_SHARED_KEYS: `${peer.name}=${PEER_KEY}`,
      MYLIFE_FEDERATION_ALLOW_INSECURE_HTTP: 'true',
      MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS: 'true',
      MYLIFE_LOGIN_MAX_FAILURES: '10000',
      MYLIFE_KEY_CLAIM_LIMIT_PER_HOUR: '100000',
    });
    world = await FuzzWorld.prepare({
      url: node.url,
      adminToken: TEST_ADMIN_TOKEN,
      peer: { server: peer.name, key: PEER_KEY },
    });
  });
  afterAll(async () => {
    await world?.close();
    await node?.destroy();
    await peer?.stop();
  });

  it('answers every request below 500, each 4xx with a JSON message, and stays up', async () => {
    const answered: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(requestArb(loadOpenApi()), async (request) => {
        const answer = await world.send(request);
        answered[answer.status] = (answered[answer.status] ?? 0) + 1;
        const problem = problemWith(answer);
        if (problem) throw new Error(`${problem}: ${describeExchange(request, answer)}`);
      }),
      // No shrinking: the node's state has moved on since, so a smaller request proves little.
      { numRuns: 300, seed: 17, endOnFailure: true },
    );
    // A test that cannot fail is a bug: the requests got past the guards, and were refused too.
    expect(answered[200]).toBeGreaterThan(20);
    expect(answered[400]).toBeGreaterThan(50);
    expect((await fetch(`${node.url}/health`)).status).toBe(200);
  }, 180_000);
});
