import request from 'supertest';
import type { HttpRequest, HttpResponse, HttpStream, HttpTransport } from '../client/src/api/http-transport.ts';
import { FetchTransport, ServerUnreachableError } from '../client/src/api/http-transport.ts';
import { benchmarkOutboxFlush } from '../client/src/bench/flush-benchmark.ts';
import type { MyLifeClient } from '../client/src/mylife-client.ts';
import { DEFAULT_PASSWORD, befriend, signUp, TestUser } from './support/factories';
import { loggedInClient, removeTempDirs, serverThread } from './support/client-harness';
import { startTestNode, TestNode } from './support/test-node';

/** The real network, with a record of every request and, when asked, a lost answer after the server has acted. */
class ObservedTransport implements HttpTransport {
  readonly batches: number[] = [];
  readonly singles: string[] = [];
  readonly statuses: number[] = [];
  loseNextBatchAnswer = false;
  private readonly inner = new FetchTransport();

  async send(request: HttpRequest): Promise<HttpResponse> {
    const path = new URL(request.url).pathname;
    if (request.method === 'POST' && path === '/api/messages/batch') {
      this.batches.push(JSON.parse(request.body!).messages.length);
    }
    if (request.method === 'POST' && path === '/api/messages') this.singles.push(JSON.parse(request.body!).content);
    const response = await this.inner.send(request);
    if (path === '/api/messages/batch') {
      this.statuses.push(response.status);
      if (this.loseNextBatchAnswer) {
        this.loseNextBatchAnswer = false;
        throw new ServerUnreachableError(request.url, new Error('ECONNRESET'));
      }
    }
    return response;
  }

  stream(request: HttpRequest): Promise<HttpStream> {
    return this.inner.stream(request);
  }
}

/** Whether the node publishes the `keys` capability (a key directory: its users' clients encrypt). */
async function hasKeyDirectory(node: TestNode): Promise<boolean> {
  const document = await request(node.url).get('/.well-known/mylife-federation').expect(200);
  return Array.isArray(document.body.capabilities) && document.body.capabilities.includes('keys');
}

describe('client library: batched outbox flush against a real node', () => {
  let node: TestNode;
  let alice: TestUser;
  let bob: TestUser;
  const clients: MyLifeClient[] = [];

  async function aliceClient(deviceName: string) {
    const transport = new ObservedTransport();
    const { client } = await loggedInClient(node.url, alice, deviceName, undefined, { transport });
    clients.push(client);
    return { client, transport };
  }

  beforeAll(async () => {
    node = await startTestNode();
    alice = await signUp(node, 'alice');
    bob = await signUp(node, 'bob');
    await signUp(node, 'carol');
    await befriend(node, alice, bob);
  });

  afterAll(async () => {
    for (const client of clients) await client.close();
    await node.destroy();
    removeTempDirs();
  });

  it('sends a run of 1,205 queued messages in three batch requests, in order, refusals recorded one by one', async () => {
    const { client, transport } = await aliceClient('batch-order');
    const contents = Array.from({ length: 1_203 }, (_, i) => `batched ${i}`);
    contents.slice(0, 600).forEach((text) => client.sendMessage('bob', text));
    const toCarol = client.sendMessage('carol', 'carol is no friend');
    const toNobody = client.sendMessage('nobody', 'no such user');
    contents.slice(600).forEach((text) => client.sendMessage('bob', text));

    const report = await client.sync();
    expect(report).toMatchObject({ online: true, flush: { applied: 1_203, failed: 2, pending: 0 } });
    // A node with a key directory refuses carol and nobody when the client looks their keys up, before any batch.
    const refusedAtKeyLookup = await hasKeyDirectory(node);
    expect(transport.batches).toEqual(refusedAtKeyLookup ? [500, 498, 205] : [500, 500, 205]);
    expect(transport.statuses).toEqual([200, 200, 200]);
    expect(transport.singles).toEqual([]);

    const onServer = await serverThread(node.url, alice, bob.address);
    const local = client.thread('bob', { limit: 2_000 }).messages;
    expect(local.map((m) => m.content)).toEqual(contents);
    // By clientMessageId: such a node holds the text only as ciphertext.
    expect(onServer.map((m) => m.clientMessageId)).toEqual(local.map((m) => m.clientMessageId));
    expect(local.map((m) => m.id)).toEqual(onServer.map((m) => m.id));
    expect(local.every((m) => m.status === 'sent' && m.seq !== null)).toBe(true);

    const failed = client.allMessages().filter((m) => m.status === 'failed');
    expect(failed.map((m) => [m.localId, m.error])).toEqual([
      [toCarol.localId, expect.stringMatching(/friend/)],
      [toNobody.localId, expect.stringMatching(/nobody/)],
    ]);
    expect(client.outbox().map((e) => e.state)).toEqual(['failed', 'failed']);
  });

  it("cuts large messages into several requests under the node's body limit", async () => {
    const { client, transport } = await aliceClient('batch-large');
    const large = Array.from({ length: 40 }, (_, i) => `${i} `.padEnd(60 * 1024, 'x'));
    large.forEach((text) => client.sendMessage('bob', text));
    const report = await client.sync();
    expect(report.flush).toMatchObject({ applied: 40, failed: 0, pending: 0 });
    expect(transport.batches.length).toBeGreaterThan(2);
    expect(transport.batches.reduce((sum, n) => sum + n, 0)).toBe(40);
    expect(transport.statuses.every((status) => status === 200)).toBe(true);
  });

  it('sends each message once when the answer to a batch is lost after the node stored it', async () => {
    const { client, transport } = await aliceClient('batch-lost-answer');
    const before = (await serverThread(node.url, alice, bob.address)).length;
    const contents = Array.from({ length: 30 }, (_, i) => `lost answer ${i}`);
    contents.forEach((text) => client.sendMessage('bob', text));
    transport.loseNextBatchAnswer = true;

    const first = await client.sync();
    expect(first).toMatchObject({ online: false, flush: { applied: 0, pending: 30 } });
    expect(client.allMessages().filter((m) => m.status === 'queued')).toHaveLength(30);

    const second = await client.sync({ force: true });
    expect(second.flush).toMatchObject({ applied: 30, failed: 0, pending: 0 });
    const onServer = await serverThread(node.url, alice, bob.address);
    expect(onServer).toHaveLength(before + 30);
    expect(onServer.slice(before).map((m) => m.content)).toEqual(contents);
    expect(new Set(client.allMessages().map((m) => m.id)).size).toBe(client.allMessages().length);
  });

  it('gives the bench hook its timings, with the messages on the node', async () => {
    const before = (await serverThread(node.url, alice, bob.address)).length;
    const result = await benchmarkOutboxFlush({
      serverUrl: node.url,
      username: 'alice',
      password: DEFAULT_PASSWORD,
      peer: bob.address,
      count: 1_000,
    });
    expect(result).toMatchObject({
      count: 1_000,
      sent: 1_000,
      failed: 0,
      pending: 0,
      batchRequests: 2,
      singleRequests: 0,
      batched: true,
      firstError: null,
    });
    expect(result.queueMs).toBeGreaterThanOrEqual(0);
    expect(result.flushMs).toBeGreaterThanOrEqual(0);
    expect(await serverThread(node.url, alice, bob.address)).toHaveLength(before + 1_000);
    console.log(
      `bench hook: queued 1,000 in ${result.queueMs.toFixed(0)} ms, flushed in ${result.flushMs.toFixed(0)} ms`,
    );
  });
});
