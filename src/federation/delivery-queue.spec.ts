import type { Queue } from 'bullmq';
import { DestinationJob } from '../queue/queues';
import { DeliveryQueue } from './delivery-queue';

/** The queue's one call that scheduling makes, recorded: which servers got a job added. */
function recordingQueue(): { queue: Queue<DestinationJob>; added: string[][] } {
  const added: string[][] = [];
  const queue = {
    addBulk: (jobs: { data: DestinationJob }[]) => {
      added.push(jobs.map((job) => job.data.server));
      return Promise.resolve([]);
    },
  } as unknown as Queue<DestinationJob>;
  return { queue, added };
}

describe('DeliveryQueue: a run waiting for its destination', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('takes the destination’s next rows itself: scheduling it adds no job', async () => {
    const { queue, added } = recordingQueue();
    const deliveries = new DeliveryQueue(queue);
    const waited = deliveries.lingerFor('b.example', 250);
    await deliveries.schedule(['b.example', 'c.example']);
    await expect(waited).resolves.toBe(true);
    expect(added).toEqual([['c.example']]);
    expect(deliveries.timesScheduled('b.example')).toBe(1);
  });

  it('stops waiting when its time is up, and the destination is queued again', async () => {
    const { queue, added } = recordingQueue();
    const deliveries = new DeliveryQueue(queue);
    const waited = deliveries.lingerFor('b.example', 250);
    jest.advanceTimersByTime(250);
    await expect(waited).resolves.toBe(false);
    await deliveries.schedule(['b.example']);
    expect(added).toEqual([['b.example']]);
  });

  it('is woken by one scheduling only', async () => {
    const { queue, added } = recordingQueue();
    const deliveries = new DeliveryQueue(queue);
    const waited = deliveries.lingerFor('b.example', 250);
    await deliveries.schedule(['b.example']);
    await deliveries.schedule(['b.example']);
    await expect(waited).resolves.toBe(true);
    expect(added).toEqual([['b.example']]);
  });

  it('lets a second wait for the same destination only sleep, never take the first one’s rows', async () => {
    const { queue } = recordingQueue();
    const deliveries = new DeliveryQueue(queue);
    const first = deliveries.lingerFor('b.example', 250);
    const second = deliveries.lingerFor('b.example', 100);
    jest.advanceTimersByTime(100);
    await expect(second).resolves.toBe(false);
    await deliveries.schedule(['b.example']);
    await expect(first).resolves.toBe(true);
  });

  it('lets a run that paces its receipts sleep through new receipts, which it sends when its pause ends', async () => {
    const { queue, added } = recordingQueue();
    const deliveries = new DeliveryQueue(queue);
    let woken = false;
    const waited = deliveries.lingerFor('b.example', 250, false).then((result) => (woken = result));
    await deliveries.schedule(['b.example'], true);
    await Promise.resolve();
    expect(woken).toBe(false);
    // Taken care of by the waiting run: no job is added for them.
    expect(added).toEqual([]);
    await deliveries.schedule(['b.example']);
    await expect(waited).resolves.toBe(true);
    expect(added).toEqual([]);
  });

  it('wakes a run that waits for more for receipts too', async () => {
    const { queue, added } = recordingQueue();
    const deliveries = new DeliveryQueue(queue);
    const waited = deliveries.lingerFor('b.example', 250);
    await deliveries.schedule(['b.example'], true);
    await expect(waited).resolves.toBe(true);
    expect(added).toEqual([]);
  });

  it('ends every wait when the node stops', async () => {
    const { queue } = recordingQueue();
    const deliveries = new DeliveryQueue(queue);
    const waits = [deliveries.lingerFor('b.example', 250), deliveries.lingerFor('c.example', 250)];
    deliveries.endLingering();
    await expect(Promise.all(waits)).resolves.toEqual([true, true]);
  });
});
