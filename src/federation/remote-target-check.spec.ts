import { BadRequestException, Logger, PayloadTooLargeException } from '@nestjs/common';
import { loadConfig } from '../config/app-config';
import { FederationHttpClient } from './http/federation-http.client';
import { PeerDirectory, PeerInfo, PLAIN_PEER_LIMITS } from './peer-directory';
import { RemoteTargetCheck } from './remote-target-check';

/** A peer directory that knows `known` from memory and answers `fetched` when asked (or fails when it is null). */
function directory(known: Record<string, PeerInfo>, fetched: PeerInfo | null) {
  const asked: string[] = [];
  const peers = {
    known: (server: string) => known[server],
    peer: async (server: string) => {
      asked.push(server);
      if (!fetched) throw new Error(`${server} does not answer`);
      return fetched;
    },
  } as unknown as PeerDirectory;
  return { peers, asked };
}

const plain: PeerInfo = { keys: [], capabilities: [], limits: PLAIN_PEER_LIMITS };
const ours: PeerInfo = { keys: [], capabilities: ['messages'], limits: { maxContentBytes: 100 } };

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
      await expect(check.assertDeliverable('localhost:8791')).rejects.toThrow(BadRequestException);
    }
    await expect(check.assertDeliverable('localhost:8791', 'hi')).rejects.toThrow(
      /MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS=true/,
    );
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0][0])).toMatch(/localhost:8791.*MYLIFE_FEDERATION_ALLOW_PRIVATE_NETWORKS/);
  });

  it('refuses content longer than a known peer takes with 413, in characters or bytes', async () => {
    const check = new RemoteTargetCheck(open, directory({ 'plain.example': plain, 'ours.example': ours }, null).peers);
    await expect(check.assertDeliverable('plain.example', 'x'.repeat(8000))).resolves.toBeUndefined();
    await expect(check.assertDeliverable('plain.example', 'x'.repeat(8001))).rejects.toThrow(PayloadTooLargeException);
    await expect(check.assertDeliverable('ours.example', 'é'.repeat(50))).resolves.toBeUndefined();
    await expect(check.assertDeliverable('ours.example', 'é'.repeat(51))).rejects.toThrow(
      'content is 102 bytes and ours.example takes at most 100 per message',
    );
  });

  it('asks the directory about a peer it does not know only for content longer than every MyLife node takes', async () => {
    const { peers, asked } = directory({}, plain);
    const check = new RemoteTargetCheck(open, peers);
    await check.assertDeliverable('new.example', 'x'.repeat(8000));
    expect(asked).toEqual([]);
    await expect(check.assertDeliverable('new.example', 'x'.repeat(8001))).rejects.toThrow(PayloadTooLargeException);
    expect(asked).toEqual(['new.example']);
  });

  it('lets content through to a peer that cannot be asked now: it answers for it on delivery', async () => {
    const check = new RemoteTargetCheck(open, directory({}, null).peers);
    await expect(check.assertDeliverable('down.example', 'x'.repeat(9000))).resolves.toBeUndefined();
  });
});
