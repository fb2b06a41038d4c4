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
