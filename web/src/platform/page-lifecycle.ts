export interface PageLifecycleHandlers {
  /** The page is hidden (another tab, minimised, the phone locked): it may never come back, so save now. */
  hidden: () => void;
  /** The page is going (closed, reloaded, navigated away, or put in the back/forward cache). */
  leaving: () => void;
}

/** Listens to the moments a page must save; returns the function that stops listening. */
export function watchPageLifecycle(handlers: PageLifecycleHandlers): () => void {
  const onVisibility = () => {
    if (document.visibilityState === 'hidden') handlers.hidden();
  };
  const onPageHide = () => handlers.leaving();
  document.addEventListener('visibilitychange', onVisibility);
  window.addEventListener('pagehide', onPageHide);
  return () => {
    document.removeEventListener('visibilitychange', onVisibility);
    window.removeEventListener('pagehide', onPageHide);
  };
}

/**
 * A page that gave up the copy when it was hidden into the back/forward cache holds nothing any more when it is
 * shown again: it starts over (as a follower of whichever tab owns the copy now).
 */
export function reloadWhenRestoredFromCache(): void {
  window.addEventListener('pageshow', (event) => {
    if (event.persisted) location.reload();
  });
}

const RELOADED_AT = 'mylife.reloaded-at.';
/** A reload that brings the same trouble back (an old build offline, an engine that never loads) waits this long. */
const RELOAD_AGAIN_AFTER_MS = 5 * 60_000;

/**
 * Reloads the page for `reason`, unless this tab did so for the same reason in the last few minutes: a reload that
 * brings the same trouble back must not loop. Returns whether it reloads; the drafts are saved on `pagehide`, and the
 * copy handed over as on any reload.
 */
export function reloadUnlessRecent(reason: string, storage: Storage = sessionStorage, now = Date.now()): boolean {
  try {
    const last = Number(storage.getItem(RELOADED_AT + reason));
    if (Number.isFinite(last) && now - last < RELOAD_AGAIN_AFTER_MS) return false;
    storage.setItem(RELOADED_AT + reason, String(now));
  } catch {
    return false;
  }
  location.reload();
  return true;
}

/** Another tab runs a newer version of the app: the new page is the newer build (navigations go to the node first). */
export function reloadForNewerVersion(): boolean {
  return reloadUnlessRecent('newer-version');
}
