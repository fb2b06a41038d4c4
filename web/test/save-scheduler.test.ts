import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { SaveScheduler } from '../src/platform/save-scheduler.ts';

/** A save whose end the test decides, recording what it saved and how many ran at once. */
class RecordingSaves {
  readonly saved: number[] = [];
  running = 0;
  mostAtOnce = 0;
  failNext = false;
  private finishers: (() => void)[] = [];

  constructor(
    private readonly state: { version: number },
    private readonly manual = false,
  ) {}

  save = (): Promise<void> => {
    const snapshot = this.state.version;
    this.running += 1;
    this.mostAtOnce = Math.max(this.mostAtOnce, this.running);
    const fail = this.failNext;
    this.failNext = false;
    return new Promise<void>((resolve, reject) => {
      const finish = () => {
        this.running -= 1;
        if (fail) return reject(new Error('disk full'));
        this.saved.push(snapshot);
        resolve();
      };
      if (this.manual) this.finishers.push(finish);
      else finish();
    });
  };

  finishOne(): void {
    this.finishers.shift()!();
  }
}

describe('SaveScheduler', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('saves a burst of changes once, 250 ms after the last one', async () => {
    const state = { version: 0 };
    const saves = new RecordingSaves(state);
    const scheduler = new SaveScheduler({ save: saves.save });
    for (let i = 0; i < 5; i += 1) {
      state.version += 1;
      scheduler.markDirty();
      await vi.advanceTimersByTimeAsync(100);
    }
    expect(saves.saved).toEqual([]);
    await vi.advanceTimersByTimeAsync(149);
    expect(saves.saved).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(saves.saved).toEqual([5]);
    expect(scheduler.pending).toBe(false);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(saves.saved).toEqual([5]);
  });

  it('saves a steady stream of changes at most 2 s after the first unsaved one', async () => {
    const state = { version: 0 };
    const saves = new RecordingSaves(state);
    const scheduler = new SaveScheduler({ save: saves.save });
    const times: number[] = [];
    const start = Date.now();
    for (let i = 0; i < 50; i += 1) {
      state.version += 1;
      scheduler.markDirty();
      const before = saves.saved.length;
      await vi.advanceTimersByTimeAsync(100);
      if (saves.saved.length > before) times.push(Date.now() - start);
    }
    // Changes every 100 ms never leave 250 ms of quiet: only the 2 s deadline saves, once per 2 s.
    expect(times).toEqual([2_000, 4_000]);
    expect(saves.saved).toEqual([20, 40]);
  });

  it('never runs two saves at once: changes made during a save become one more save after it', async () => {
    const state = { version: 1 };
    const saves = new RecordingSaves(state, true);
    const scheduler = new SaveScheduler({ save: saves.save });
    scheduler.markDirty();
    await vi.advanceTimersByTimeAsync(250);
    expect(saves.running).toBe(1);

    for (let i = 0; i < 3; i += 1) {
      state.version += 1;
      scheduler.markDirty();
      await vi.advanceTimersByTimeAsync(2_000);
    }
    expect(saves.running).toBe(1);
    saves.finishOne();
    await vi.advanceTimersByTimeAsync(0);
    expect(saves.running).toBe(1);
    saves.finishOne();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(saves.saved).toEqual([1, 4]);
    expect(saves.mostAtOnce).toBe(1);
    expect(scheduler.pending).toBe(false);
  });

  it('flush saves at once, and after a save in progress saves what changed meanwhile', async () => {
    const state = { version: 1 };
    const saves = new RecordingSaves(state, true);
    const scheduler = new SaveScheduler({ save: saves.save });
    scheduler.markDirty();
    const first = scheduler.flush();
    expect(saves.running).toBe(1);
    state.version = 2;
    scheduler.markDirty();
    const second = scheduler.flush();
    const third = scheduler.flush();
    saves.finishOne();
    await vi.advanceTimersByTimeAsync(0);
    expect(await first).toBe(true);
    expect(saves.running).toBe(1);
    saves.finishOne();
    expect(await second).toBe(true);
    expect(await third).toBe(true);
    expect(saves.saved).toEqual([1, 2]);
    expect(saves.mostAtOnce).toBe(1);
    // The timers of the change flushed by hand do not save it again.
    await vi.advanceTimersByTimeAsync(5_000);
    expect(saves.saved).toEqual([1, 2]);
  });

  it('does not start a save while one may not run (inside a transaction)', async () => {
    const state = { version: 1 };
    const saves = new RecordingSaves(state);
    let inTransaction = true;
    const scheduler = new SaveScheduler({ save: saves.save, canSave: () => !inTransaction });
    scheduler.markDirty();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(saves.saved).toEqual([]);
    inTransaction = false;
    await vi.advanceTimersByTimeAsync(250);
    expect(saves.saved).toEqual([1]);
  });

  it('keeps a failed save dirty, reports it, and tries again', async () => {
    const state = { version: 1 };
    const saves = new RecordingSaves(state);
    const errors: unknown[] = [];
    const scheduler = new SaveScheduler({ save: saves.save, onError: (error) => errors.push(error), retryMs: 5_000 });
    saves.failNext = true;
    scheduler.markDirty();
    await vi.advanceTimersByTimeAsync(250);
    expect(errors).toEqual([new Error('disk full')]);
    expect(scheduler.pending).toBe(true);
    expect(saves.saved).toEqual([]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(saves.saved).toEqual([1]);
    expect(scheduler.pending).toBe(false);
  });

  it('reports a failed flush as false', async () => {
    const saves = new RecordingSaves({ version: 1 });
    const scheduler = new SaveScheduler({ save: saves.save, onError: () => undefined });
    saves.failNext = true;
    scheduler.markDirty();
    expect(await scheduler.flush()).toBe(false);
    expect(await scheduler.flush()).toBe(true);
    expect(saves.saved).toEqual([1]);
  });

  it('starts nothing after dispose', async () => {
    const saves = new RecordingSaves({ version: 1 });
    const scheduler = new SaveScheduler({ save: saves.save });
    scheduler.markDirty();
    scheduler.dispose();
    scheduler.markDirty();
    await vi.advanceTimersByTimeAsync(5_000);
    expect(saves.saved).toEqual([]);
  });
});
