import { KeyedBatcher } from './keyed-batcher';

/** A run that records its batches and finishes when told to. */
function recordingRun() {
  const batches: { key: string; items: number[] }[] = [];
  const finishers: (() => void)[] = [];
  const run = (key: string, items: number[]) => {
    batches.push({ key, items });
    return new Promise<number[]>((resolve) => finishers.push(() => resolve(items.map((item) => item * 10))));
  };
  const finishNext = async () => {
    finishers.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  };
  return { run, batches, finishNext };
}

describe('KeyedBatcher', () => {
  it('runs a lone item at once, alone', async () => {
    const { run, batches, finishNext } = recordingRun();
    const batcher = new KeyedBatcher(run, 10);
    const result = batcher.submit('alice', 1);
    expect(batches).toEqual([{ key: 'alice', items: [1] }]);
    await finishNext();
    await expect(result).resolves.toBe(10);
  });

  it('puts what arrives during a run into the next run, in order and up to the limit', async () => {
    const { run, batches, finishNext } = recordingRun();
    const batcher = new KeyedBatcher(run, 3);
    const results = [1, 2, 3, 4, 5, 6].map((item) => batcher.submit('alice', item));
    expect(batches.map((batch) => batch.items)).toEqual([[1]]);
    await finishNext();
    expect(batches.map((batch) => batch.items)).toEqual([[1], [2, 3, 4]]);
    await finishNext();
    await finishNext();
    expect(batches.map((batch) => batch.items)).toEqual([[1], [2, 3, 4], [5, 6]]);
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30, 40, 50, 60]);
  });

  it('keeps keys apart: another key does not wait', () => {
    const { run, batches } = recordingRun();
    const batcher = new KeyedBatcher(run, 10);
    void batcher.submit('alice', 1);
    void batcher.submit('alice', 2);
    void batcher.submit('bob', 3);
    expect(batches).toEqual([
      { key: 'alice', items: [1] },
      { key: 'bob', items: [3] },
    ]);
  });

  it('tries each item of a failed batch alone, so that only the failing one is refused', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const first = new Promise<void>((resolve) => (release = resolve));
    const batcher = new KeyedBatcher<number, number>(async (_key, items) => {
      batches.push(items);
      if (items.length === 1 && items[0] === 1) await first;
      if (items.includes(13)) throw new Error('unlucky');
      return items;
    }, 10);
    const one = batcher.submit('alice', 1);
    const rest = [12, 13, 14].map((item) => batcher.submit('alice', item));
    release();
    await expect(one).resolves.toBe(1);
    const settled = await Promise.allSettled(rest);
    expect(settled.map((outcome) => outcome.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(batches).toEqual([[1], [12, 13, 14], [12], [13], [14]]);
  });

  it('starts afresh for a key once its queue has drained', async () => {
    const { run, batches, finishNext } = recordingRun();
    const batcher = new KeyedBatcher(run, 10);
    const first = batcher.submit('alice', 1);
    await finishNext();
    await first;
    void batcher.submit('alice', 2);
    expect(batches.map((batch) => batch.items)).toEqual([[1], [2]]);
  });
});
