import { CapturedRequest, CapturingProxy } from '../../support/capturing-proxy';
import { burstSeconds, burstUnderFault, withPair } from '../harness/burst';
import { progress, Scenario, sleep } from '../harness/context';

/**
 * Node B behind a proxy (its server name is the proxy's, so A reaches it only through it) that answers every inbox
 * request `429 Retry-After: 2` for the first half of the burst, then forwards. Nothing may fail, and no message may
 * reach B twice: the proxy counts every message it forwarded.
 */
export const rateLimitedPeer: Scenario = {
  name: 'peer-429',
  inShortRun: true,
  run: async (context) => {
    const proxy = await CapturingProxy.start();
    try {
      return await withPair(context, 'peer-429', { b: { behind: proxy } }, (pair) =>
        burstUnderFault(context, pair, async () => {
          const refuseForMs = (burstSeconds(context) * 1000) / 2;
          progress('peer-429', `B's inbox answers 429 for ${refuseForMs / 1000} s`);
          proxy.interceptor = ({ path }) =>
            path.startsWith('/api/federation/inbox/') ? { status: 429, headers: { 'retry-after': '2' } } : null;
          await sleep(refuseForMs);
          proxy.interceptor = null;
          progress('peer-429', "B's inbox takes deliveries again");
          const refused = proxy.captured.filter((request) => request.intercepted).length;
          return { answered429: refused };
        }).then((summary) => ({ ...summary, forwardedTwice: messagesForwardedTwice(proxy.captured) })),
      );
    } finally {
      await proxy.close();
    }
  },
};

/** Messages (by sender and client message id) that the proxy forwarded to the node more than once. */
function messagesForwardedTwice(captured: CapturedRequest[]): number {
  const forwards = new Map<string, number>();
  for (const request of captured) {
    if (request.intercepted || request.method !== 'POST') continue;
    let messages: { fromUserId: string; clientMessageId: string }[] = [];
    if (request.path === '/api/federation/inbox/messages') messages = [JSON.parse(request.body)];
    if (request.path === '/api/federation/inbox/batch') messages = JSON.parse(request.body).messages;
    for (const { fromUserId, clientMessageId } of messages) {
      const key = `${fromUserId} ${clientMessageId}`;
      forwards.set(key, (forwards.get(key) ?? 0) + 1);
    }
  }
  return [...forwards.values()].filter((times) => times > 1).length;
}
