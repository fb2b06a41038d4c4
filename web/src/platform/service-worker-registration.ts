/**
 * Installs the offline app shell (dist/sw.js, written by the build) once the page has loaded, so that it does not
 * compete with the app's own start. `updateViaCache: 'none'`: a new build is noticed at the next visit.
 */
export function registerServiceWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  window.addEventListener('load', () => {
    navigator.serviceWorker.register('/sw.js', { scope: '/', updateViaCache: 'none' }).catch((error: unknown) => {
      console.warn('MyLife: the offline app could not be installed; it opens only while the node answers.', error);
    });
  });
}
