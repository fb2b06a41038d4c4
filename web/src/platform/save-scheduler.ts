export interface SaveSchedulerOptions {
  /**
   * Writes the current state. It must take its snapshot synchronously, before its first `await`: a change made
   * while it writes marks the state dirty again and is saved by the next run.
   */
  save: () => Promise<void>;
  /** False while a save must not start (inside a transaction); the save then waits for the next quiet moment. */
  canSave?: () => boolean;
  /** A save runs this long after the last change… */
  quietMs?: number;
  /** …but no later than this after the first unsaved change, so that a steady stream of changes is still saved. */
  maxDelayMs?: number;
  /** After a failed save, the next try. */
  retryMs?: number;
  onError?: (error: unknown) => void;
  /** After each save that succeeded. */
  onSaved?: () => void;
}

/**
 * Batches saves of a whole image: one write per burst of changes, never one per change, and never two at once.
 * Timers only start saves; `flush()` saves at once (page hidden, tab closing).
 */
export class SaveScheduler {
  private readonly quietMs: number;
  private readonly maxDelayMs: number;
  private readonly retryMs: number;
  private dirty = false;
  private quietTimer: ReturnType<typeof setTimeout> | null = null;
  private deadlineTimer: ReturnType<typeof setTimeout> | null = null;
  private running: Promise<boolean> | null = null;
  private disposed = false;

  constructor(private readonly options: SaveSchedulerOptions) {
    this.quietMs = options.quietMs ?? 250;
    this.maxDelayMs = options.maxDelayMs ?? 2_000;
    this.retryMs = options.retryMs ?? 5_000;
  }

  /** True while a change waits to be saved (or is being saved). */
  get pending(): boolean {
    return this.dirty || this.running !== null;
  }

  markDirty(): void {
    if (this.disposed) return;
    this.dirty = true;
    if (this.quietTimer !== null) clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.due(), this.quietMs);
    this.deadlineTimer ??= setTimeout(() => this.due(), this.maxDelayMs);
  }

  /**
   * Saves now what is unsaved, after the save in progress if there is one. Resolves true once everything changed
   * before the call is written, false when a save failed (the state stays dirty and is retried).
   */
  async flush(): Promise<boolean> {
    this.clearTimers();
    if (this.running) {
      const saved = await this.running;
      if (!saved) return false;
    }
    if (!this.dirty) return true;
    this.clearTimers();
    // Another flush (or a timer) may have started the next save while this one waited: join it.
    return this.running ?? this.run();
  }

  /** Resolves when no save is in progress. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Stops the timers for good; a save in progress finishes. */
  dispose(): void {
    this.disposed = true;
    this.clearTimers();
  }

  private due(): void {
    this.clearTimers();
    if (!this.dirty || this.disposed) return;
    if (this.options.canSave && !this.options.canSave()) {
      this.markDirty();
      return;
    }
    if (this.running) {
      // Coalesce: whatever fires during a save becomes one save right after it.
      void this.running.then((saved) => {
        if (saved && !this.running && this.dirty && !this.disposed) void this.run();
      });
      return;
    }
    void this.run();
  }

  private run(): Promise<boolean> {
    this.dirty = false;
    let writing: Promise<void>;
    try {
      writing = this.options.save();
    } catch (error) {
      writing = Promise.reject(error);
    }
    const attempt = writing.then(
      () => {
        this.options.onSaved?.();
        return true;
      },
      (error: unknown) => {
        this.dirty = true;
        this.options.onError?.(error);
        if (!this.disposed) this.deadlineTimer ??= setTimeout(() => this.due(), this.retryMs);
        return false;
      },
    );
    this.running = attempt.finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private clearTimers(): void {
    if (this.quietTimer !== null) clearTimeout(this.quietTimer);
    if (this.deadlineTimer !== null) clearTimeout(this.deadlineTimer);
    this.quietTimer = null;
    this.deadlineTimer = null;
  }
}
