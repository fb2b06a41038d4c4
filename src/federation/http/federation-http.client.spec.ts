import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { AddressInfo } from 'node:net';
import { loadConfig } from '../../config/app-config';
import {
  FederationHttpClient,
  PeerForbiddenError,
  PeerUnreachableError,
  requestDeadlineMs,
} from './federation-http.client';

const strict = new FederationHttpClient(loadConfig({}));
const open = new FederationHttpClient(loadConfig({ MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS: 'true' }));
afterAll(async () => {
  await strict.onModuleDestroy();
  await open.onModuleDestroy();
});

describe('FederationHttpClient.assertAllowed', () => {
  // A server named by an IP address is connected to without a DNS lookup, so it is checked by itself.
  it.each(['127.0.0.1', '127.0.0.1:8443', '10.0.0.5:8080', '169.254.169.254', '2130706433', '0x7f000001'])(
    'refuses the private address %s',
    (server) => expect(() => strict.assertAllowed(server)).toThrow(PeerForbiddenError),
  );

  it('lets public addresses and names through, and private ones when allowed', () => {
    expect(() => strict.assertAllowed('93.184.216.34')).not.toThrow();
    expect(() => strict.assertAllowed('chat.example.com')).not.toThrow();
    expect(() => open.assertAllowed('127.0.0.1:8080')).not.toThrow();
  });

  it('applies the allow and deny lists', () => {
    const listed = new FederationHttpClient(
      loadConfig({
        MYLIFE_FEDERATION_ALLOWED_SERVERS: 'a.example,b.example',
        MYLIFE_FEDERATION_BLOCKED_SERVERS: 'b.example',
      }),
    );
    expect(() => listed.assertAllowed('a.example')).not.toThrow();
    expect(() => listed.assertAllowed('b.example')).toThrow(/BLOCKED/);
    expect(() => listed.assertAllowed('c.example')).toThrow(/ALLOWED/);
    void listed.onModuleDestroy();
  });
});

describe('FederationHttpClient.assertReachable', () => {
  it('refuses a name that resolves only to private addresses, naming the setting, unless they are allowed', async () => {
    await expect(strict.assertReachable('localhost:8791')).rejects.toThrow(PeerForbiddenError);
    await expect(strict.assertReachable('localhost:8791')).rejects.toThrow(
      'localhost:8791 resolves only to private addresses, which this node does not reach unless MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS=true',
    );
    await expect(strict.assertReachable('127.0.0.1:9')).rejects.toThrow(/MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS/);
    await expect(open.assertReachable('localhost:8791')).resolves.toBeUndefined();
  });

  it('lets a name through that does not resolve now: that may pass', async () => {
    await expect(strict.assertReachable('nothing-here.invalid')).resolves.toBeUndefined();
  });
});

describe('requestDeadlineMs', () => {
  it('is the timeout, plus the upload of the body on a 512 kbit/s uplink', () => {
    expect(requestDeadlineMs(10_000, 0)).toBe(10_000);
    expect(requestDeadlineMs(10_000, 64 * 1024)).toBe(11_000);
    expect(requestDeadlineMs(10_000, 8 * 1024 * 1024)).toBe(138_000);
  });
});

describe('FederationHttpClient.send', () => {
  let peer: Server;
  let server: string;
  const client = new FederationHttpClient(
    loadConfig({
      MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS: 'true',
      MYLIFE_FEDERATION_ALLOW_INSECURE_HTTP: 'true',
      MYLIFE_FEDERATION_TIMEOUT_MS: '1000',
    }),
  );

  beforeAll(async () => {
    peer = createServer((request, response) => {
      if (request.url === '/slow-reader') return readSlowly(request, response);
      // Answers one byte every 200 ms for ever: each wait is well within the timeout, the whole is not.
      response.writeHead(200, { 'content-type': 'application/json' });
      const drip = setInterval(() => response.write(' '), 200);
      response.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((resolve) => peer.listen(0, '127.0.0.1', resolve));
    server = `127.0.0.1:${(peer.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    await client.onModuleDestroy();
    peer.closeAllConnections();
    await new Promise((resolve) => peer.close(resolve));
  });

  it('gives a big body the time to upload over a slow link, beyond the timeout', async () => {
    // 256 KiB read at 128 KiB/s: 2 s of upload, twice the timeout, within the deadline (1 s + 4 s).
    const answer = await client.send(server, 'POST', '/slow-reader', Buffer.alloc(256 * 1024, 'x'));
    expect(answer).toMatchObject({ status: 201, json: { received: 256 * 1024 } });
  }, 10_000);

  it('gives up on a peer that answers slowly for longer than the timeout as a whole', async () => {
    await expect(client.send(server, 'GET', '/slow')).rejects.toThrow(PeerUnreachableError);
  }, 10_000);
});

/** Reads the request at 128 KiB/s, as a peer behind a slow link would receive it, then answers 201. */
function readSlowly(request: IncomingMessage, response: ServerResponse): void {
  let received = 0;
  request.on('data', (chunk: Buffer) => {
    received += chunk.length;
    request.pause();
    setTimeout(() => request.resume(), (chunk.length / (128 * 1024)) * 1000);
  });
  request.on('end', () => {
    response.writeHead(201, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ received }));
  });
}
