import { SyncBus } from './sync-bus';
import { messageEventRow } from './sync.repository';

const message = {
  id: '0b8f4d7e-5a43-4c5e-9f0e-6d2f5f1a2b3c',
  clientMessageId: 'client-1',
  fromUserId: 'alice@a',
  toUserId: 'bob@a',
  contentType: 'text/plain' as const,
  content: 'hello',
  createdAt: new Date('2026-12-07T12:00:00Z'),
  readAt: null,
};

/** A bus whose "other processes" are the notices it hands over, so that its own parsing can be fed back in. */
class LoopbackBus extends SyncBus {
  readonly published: string[] = [];

  async publish(userIds: string[]): Promise<void> {
    this.published.push(this.encode(userIds));
  }

  receive(payload: string): void {
    this.deliver(payload);
  }
}

describe('SyncBus', () => {
  it('tells its own streams at once, once, and skips its own notice when the bus brings it back', async () => {
    const bus = new LoopbackBus();
    const heard: string[][] = [];
    bus.onChange((userIds) => heard.push(userIds));
    await bus.notify(['alice@a', 'bob@a', 'alice@a']);
    expect(heard).toEqual([['alice@a', 'bob@a']]);
    bus.receive(bus.published[0]);
    expect(heard).toHaveLength(1);
  });

  it('passes on notices of other processes, and those of processes that name no origin', async () => {
    const other = new LoopbackBus();
    await other.notify(['carol@a']);
    const bus = new LoopbackBus();
    const heard: string[][] = [];
    bus.onChange((userIds) => heard.push(userIds));
    bus.receive(other.published[0]);
    bus.receive('dave@a\nerin@a');
    expect(heard).toEqual([['carol@a'], ['dave@a', 'erin@a']]);
  });

  it('hands the committed events to its own streams alone: other processes hear the user ids', async () => {
    const bus = new LoopbackBus();
    const other = new LoopbackBus();
    const heard: unknown[][] = [];
    bus.onChange((userIds, committed) => heard.push([userIds, committed]));
    other.onChange((userIds, committed) => heard.push([userIds, committed]));
    const committed = new Map([['bob@a', [messageEventRow('3', message)]]]);
    await bus.notify(['bob@a'], committed);
    other.receive(bus.published[0]);
    expect(heard).toEqual([
      [['bob@a'], committed],
      [['bob@a'], undefined],
    ]);
    expect(bus.published).toEqual([expect.not.stringContaining('hello')]);
  });

  it('publishes nothing when no stream changed', async () => {
    const bus = new LoopbackBus();
    await bus.notify([]);
    expect(bus.published).toEqual([]);
  });
});
