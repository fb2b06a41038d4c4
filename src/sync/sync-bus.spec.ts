import { SyncBus } from './sync-bus';

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

  it('publishes nothing when no stream changed', async () => {
    const bus = new LoopbackBus();
    await bus.notify([]);
    expect(bus.published).toEqual([]);
  });
});
