import { useCallback, useEffect, useState } from 'react';
import type { Messenger, MessengerChange } from '../../messenger/messenger.ts';
import { useMessenger } from '../messenger-context.ts';

export interface Live<T> {
  /** Undefined until the first read of this `read` answered. */
  value: T | undefined;
  /** What the last read threw (cleared by a read that answers). */
  error: unknown;
  /** Reads again now (after an action whose result the Messenger does not announce, or a "Try again"). */
  reload: () => void;
}

const DATA: readonly MessengerChange[] = ['data'];

/**
 * What `read` answers, read again after each change the Messenger announces. A burst of changes (a sync page of
 * 500 messages) costs one read per animation frame, and an answer that arrives after a newer read was started is
 * dropped. `read` must be stable (useCallback): a new `read` starts over, and shows nothing of the old one.
 */
export function useLive<T>(
  read: (messenger: Messenger) => Promise<T>,
  changes: readonly MessengerChange[] = DATA,
): Live<T> {
  const messenger = useMessenger();
  const [state, setState] = useState<{ read: typeof read; value?: T; error?: unknown }>({ read });
  const [reloads, setReloads] = useState(0);
  const changeKey = changes.join(',');

  useEffect(() => {
    let stopped = false;
    let latest = 0;
    let cancelScheduled: (() => void) | null = null;
    const run = () => {
      cancelScheduled = null;
      const mine = ++latest;
      read(messenger).then(
        (value) => {
          if (!stopped && mine === latest) setState({ read, value });
        },
        (error: unknown) => {
          if (!stopped && mine === latest) {
            setState((previous) => (previous.read === read ? { ...previous, error } : { read, error }));
          }
        },
      );
    };
    const schedule = () => {
      if (cancelScheduled) return;
      cancelScheduled = nextFrame(run);
    };
    run();
    const kinds = new Set(changeKey.split(','));
    const unsubscribe = messenger.subscribe((change) => {
      if (kinds.has(change)) schedule();
    });
    return () => {
      stopped = true;
      unsubscribe();
      cancelScheduled?.();
    };
  }, [messenger, read, changeKey, reloads]);

  const reload = useCallback(() => setReloads((count) => count + 1), []);
  const current = state.read === read;
  return { value: current ? state.value : undefined, error: current ? state.error : undefined, reload };
}

/** The next animation frame; a hidden page gets none, so it reads on a timer instead (for the tab title). */
function nextFrame(run: () => void): () => void {
  if (document.visibilityState === 'hidden') {
    const timer = setTimeout(run, 250);
    return () => clearTimeout(timer);
  }
  const frame = requestAnimationFrame(run);
  return () => cancelAnimationFrame(frame);
}
