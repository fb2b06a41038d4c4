import { BadRequestException, Logger, PayloadTooLargeException } from '@nestjs/common';
import { loadConfig } from '../config/app-config';
import { FederationHttpClient } from './http/federation-http.client';
import { PeerDirectory, PeerInfo, PLAIN_PEER_LIMITS } from './peer-directory';
import { RemoteTargetCheck } from './remote-target-check';

/**
 * A peer directory that knows `known` (in memory or stored) and answers it, or else `fetched`, when asked (or fails when it is null), with a
 * shared key configured for every server unless `secrets` names them.
 */
function directory(known: Record<string, PeerInfo>, fetched: PeerInfo | null, secrets?: string[]) {
  const asked: string[] = [];
  const peers = {
    known: (server: string) => known[server],
    stored: async (server: string) => known[server],
    sharesSecretWith: (server: string) => secrets?.includes(server) ?? true,
    peer: async (server: string) => {
      asked.push(server);
      if (!fetched) throw new Error(`${server} does not answer`);
      return known[server] ?? fetched;
    },
  } as unknown as PeerDirectory;
  return { peers, asked };
}

const plain: PeerInfo = { keys: [], capabilities: [], limits: PLAIN_PEER_LIMITS };
const ours: PeerInfo = {
  keys: [{ id: 'k1', publicKey: 'a-public-key', notAfter: null }],
  capabilities: ['messages'],
  limits: { maxContentBytes: 100 },
};

describe('RemoteTargetCheck', () => {
  const strict = new FederationHttpClient(loadConfig({}));
  const open = new FederationHttpClient(loadConfig({ MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS: 'true' }));
  afterAll(async () => {
    await strict.onModuleDestroy();
    await open.onModuleDestroy();
  });
  afterEach(() => jest.restoreAllMocks());

  it('refuses a target this node may not reach with 400 naming the setting, and logs it once', async () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const check = new RemoteTargetCheck(strict, directory({}, plain).peers);
    for (let i = 0; i < 3; i++) {
      await expect(check.assertDeliverable('dave@localhost:8791')).rejects.toThrow(BadRequestException);
    }
    await expect(check.assertDeliverable('dave@localhost:8791', 'hi')).rejects.toThrow(
      /MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS=true/,
    );
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/localhost:8791.*MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS/);
  });

  it('refuses content longer than a known peer takes with 413, in characters or bytes', async () => {
    const check = new RemoteTargetCheck(open, directory({ 'plain.example': plain, 'ours.example': ours }, null).peers);
    await expect(check.assertDeliverable('xena@plain.example', 'x'.repeat(8000))).resolves.toBeDefined();
    await expect(check.assertDeliverable('xena@plain.example', 'x'.repeat(8001))).rejects.toThrow(
      PayloadTooLargeException,
    );
    await expect(check.assertDeliverable('carol@ours.example', 'é'.repeat(50))).resolves.toBeDefined();
    await expect(check.assertDeliverable('carol@ours.example', 'é'.repeat(51))).rejects.toThrow(
      'content is 102 bytes and ours.example takes at most 100 per message',
    );
  });

  it('asks the directory about a peer it does not know only for content longer than every MyLife node takes', async () => {
    const { peers, asked } = directory({}, plain);
    const check = new RemoteTargetCheck(open, peers);
    await check.assertDeliverable('nina@new.example', 'x'.repeat(8000));
    expect(asked).toEqual([]);
    await expect(check.assertDeliverable('nina@new.example', 'x'.repeat(8001))).rejects.toThrow(
      PayloadTooLargeException,
    );
    expect(asked).toEqual(['new.example']);
  });

  it('spells a MyLife node’s user in lower case, and keeps the case of a plain node’s or an unknown server’s', async () => {
    const { peers, asked } = directory({ 'ours.example': ours }, plain, ['plain.example']);
    const check = new RemoteTargetCheck(open, peers);
    expect(await check.assertDeliverable('Carol@ours.example')).toBe('carol@ours.example');
    expect(await check.assertDeliverable('Carol@ours.example', 'hi')).toBe('carol@ours.example');
    expect(await check.canonicalAddress('Carol@ours.example')).toBe('carol@ours.example');
    expect(await check.assertDeliverable('Yara@plain.example')).toBe('Yara@plain.example');
    expect(asked).toEqual(['ours.example', 'plain.example']);
    expect(await check.canonicalAddress('Dan@down.example')).toBe('Dan@down.example');
    const unreachable = new RemoteTargetCheck(open, directory({}, null, []).peers);
    expect(await unreachable.assertDeliverable('Dan@down.example')).toBe('Dan@down.example');
  });

  it('refuses a server it could never sign to: no MyLife keys and no shared key configured', async () => {
    const check = new RemoteTargetCheck(open, directory({ 'web.example': plain }, plain, []).peers);
    await expect(check.assertDeliverable('dave@web.example')).rejects.toThrow(
      /web.example publishes no MyLife federation keys .* MYLIFE_FEDERATION_SHARED_KEYS has no entry for it/,
    );
    await expect(check.assertDeliverable('dave@web.example', 'hi')).rejects.toThrow(BadRequestException);
  });

  it('refuses a server whose document is another server’s (or this node’s under another name)', async () => {
    const alias: PeerInfo = { ...plain, answersAs: 'localhost:8787' };
    const check = new RemoteTargetCheck(open, directory({}, alias).peers);
    await expect(check.assertDeliverable('bob@127.0.0.1:8787')).rejects.toThrow(
      '127.0.0.1:8787 publishes the MyLife federation document of localhost:8787: address its users as name@localhost:8787',
    );
  });

  it('lets content through to a peer that cannot be asked now: it answers for it on delivery', async () => {
    const check = new RemoteTargetCheck(open, directory({}, null).peers);
    await expect(check.assertDeliverable('dan@down.example', 'x'.repeat(9000))).resolves.toBeDefined();
  });
});
