interface Waiting<Item, Result> {
  item: Item;
  resolve: (result: Result) => void;
  reject: (error: unknown) => void;
}

/**
 * Runs the work of one key at a time; items for a key that arrive while its run is in flight wait and go together into
 * the next run (up to `maxBatch`). A lone item runs at once, so there is no delay when idle. This is group commit:
 * under load, concurrent writes to the same rows (a sender's stream head and conversation row) cost one statement and
 * one commit instead of each waiting for the previous one's row locks.
 */
export class KeyedBatcher<Item, Result> {
  private readonly waiting = new Map<string, Waiting<Item, Result>[]>();

  /** `run` answers one result per item, in order. */
  constructor(
    private readonly run: (key: string, items: Item[]) => Promise<Result[]>,
    private readonly maxBatch: number,
  ) {}

  submit(key: string, item: Item): Promise<Result> {
    return new Promise<Result>((resolve, reject) => {
      const queue = this.waiting.get(key);
      if (queue) {
        queue.push({ item, resolve, reject });
        return;
      }
      this.waiting.set(key, [{ item, resolve, reject }]);
      void this.drain(key);
    });
  }

  /** Keeps running batches of `key` while items wait; the key's queue exists exactly while this runs. */
  private async drain(key: string): Promise<void> {
    const queue = this.waiting.get(key)!;
    while (queue.length > 0) {
      const batch = queue.splice(0, this.maxBatch);
      await this.settle(key, batch);
    }
    this.waiting.delete(key);
  }

  private async settle(key: string, batch: Waiting<Item, Result>[]): Promise<void> {
    try {
      const results = await this.run(
        key,
        batch.map((waiting) => waiting.item),
      );
      batch.forEach((waiting, i) => waiting.resolve(results[i]));
    } catch (error) {
      if (batch.length === 1) return batch[0].reject(error);
      // One item's failure stays its own: each is tried alone.
      for (const waiting of batch) await this.settle(key, [waiting]);
    }
  }
}
