import { useMemo, useSyncExternalStore } from 'react';

const MINUTE = 60_000;

function subscribe(onChange: () => void): () => void {
  const timer = setInterval(onChange, 15_000);
  return () => clearInterval(timer);
}

/** The current minute, so that "Today" becomes "Yesterday" at midnight without a reload. */
export function useNow(): Date {
  const minute = useSyncExternalStore(subscribe, () => Math.floor(Date.now() / MINUTE) * MINUTE);
  return useMemo(() => new Date(minute), [minute]);
}
