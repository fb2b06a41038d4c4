/** The Web Lock that the tab owning the local copy holds for as long as it owns it. */
export const OWNER_LOCK = 'mylife-owner';

export interface Ownership {
  /** Whether this tab got the lock at once (it is the owner), or another tab has it (this one waits in line). */
  readonly ownedAtOnce: Promise<boolean>;
  /** Gives the lock up (the page is going); the next tab in line gets it. */
  release(): void;
}

/**
 * Asks for the owner lock. `becomeOwner` runs when this tab gets it — at once for the first tab, when the owner
 * tab goes for the others — and the lock is held from then until `release()` or the page is gone, which the
 * browser guarantees even when the page crashes: two tabs never own the copy at once. Needs Web Locks (secure
 * contexts only): openMessenger refuses to start without them rather than let every tab own the copy.
 */
export function claimOwnership(becomeOwner: () => Promise<void>): Ownership {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const hold = async () => {
    try {
      await becomeOwner();
    } catch (error) {
      // The lock goes to the next tab in line, which may do better.
      console.error('MyLife: this tab could not open your messages.', error);
      return;
    }
    await released;
  };

  const ownedAtOnce = new Promise<boolean>((resolve, reject) => {
    navigator.locks
      .request(OWNER_LOCK, { ifAvailable: true }, (lock) => {
        resolve(lock !== null);
        if (lock) return hold();
        // Another tab owns the copy: wait in line for it.
        void navigator.locks.request(OWNER_LOCK, hold);
        return undefined;
      })
      .catch(reject);
  });
  return { ownedAtOnce, release };
}
