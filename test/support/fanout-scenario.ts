import { bearer, befriend, sendMessage, signUp } from './factories';
import { openEventStream } from './sse';
import { startSecondProcess, startTestNode } from './test-node';

/**
 * A node running as two processes: a client streaming from one process gets a message posted to the other within a
 * second (fan-out through Redis pub/sub or Postgres LISTEN/NOTIFY, whichever the node uses).
 */
export async function expectFanOutAcrossProcesses(env: Record<string, string | undefined>, expectedBackend: string) {
  const node = await startTestNode(env);
  const second = await startSecondProcess(node);
  try {
    expect(second.queueBackend).toBe(expectedBackend);
    const [alice, bob] = await Promise.all(['alice', 'bob'].map((name) => signUp(node, name)));
    await befriend(node, alice, bob);
    const stream = await openEventStream(`${second.url}/api/events`, bearer(bob));
    try {
      await stream.waitFor((events) => events.some((event) => event.event === 'friendship'));
      const message = await sendMessage(node, alice, bob, 'across processes');
      await stream.waitFor((events) => events.some((event) => event.data.id === message.id), 1000);
    } finally {
      stream.close();
    }
  } finally {
    await second.stop();
    await node.destroy();
  }
}
