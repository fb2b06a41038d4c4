import { loadConfig } from '../../config/app-config';
import { FederationHttpClient, PeerForbiddenError } from './federation-http.client';

describe('FederationHttpClient.assertAllowed', () => {
  const strict = new FederationHttpClient(loadConfig({}));
  const open = new FederationHttpClient(loadConfig({ MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS: 'true' }));
  afterAll(async () => {
    await strict.onModuleDestroy();
    await open.onModuleDestroy();
  });

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
