/** Runs async work one at a time, in call order: a pull, a stream event and a flush never interleave. */
export class SerialLock {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const result = this.tail.then(work, work);
    this.tail = result.catch(() => undefined);
    return result;
  }
}

/**
 * A sleep that `wake()` cuts short, so that new work or `stop()` never waits for a poll interval to end. A wake with
 * nobody asleep is kept for the next sleep: work queued just before a sleep starts is not missed.
 */
export class Waker {
  private wakeSleeper: (() => void) | null = null;
  private wokenEarly = false;

  sleep(ms: number): Promise<void> {
    if (this.wokenEarly) {
      this.wokenEarly = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const finish = () => {
        clearTimeout(timer);
        this.wakeSleeper = null;
        resolve();
      };
      const timer = setTimeout(finish, Math.max(0, ms));
      this.wakeSleeper = finish;
    });
  }

  wake(): void {
    if (this.wakeSleeper) this.wakeSleeper();
    else this.wokenEarly = true;
  }
}
