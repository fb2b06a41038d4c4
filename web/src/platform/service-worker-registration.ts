import type { FinalImage } from '../messenger/tab-protocol.ts';
import type { ImageStore } from './image-store.ts';

/** The message the service worker saves (service-worker/service-worker.ts). */
export const FINAL_IMAGE_MESSAGE = 'mylife-final-image';

/**
 * Gives the closing page's last image to the service worker, which outlives the page: it saves it to `store` (OPFS
 * or IndexedDB) once no tab owns the copy, unless a save newer than the image got there first. The page itself
 * cannot: the browser ends it before an async write completes.
 */
export function handToServiceWorker(final: FinalImage, store: ImageStore['kind']): void {
  navigator.serviceWorker?.controller?.postMessage({ type: FINAL_IMAGE_MESSAGE, ...final, store });
}

/** What a tab that starts owning the copy asks the service worker for. */
export const TAKE_FINAL_IMAGE = 'mylife-take-final-image';

/**
 * The image a closed owner page gave the service worker and that it has not saved yet (a reload's new page usually
 * gets the owner lock before the worker does): this tab starts from it and saves it. Null when there is none, or
 * when the worker does not answer at once.
 */
export function takeImageFromServiceWorker(timeoutMs = 1_000): Promise<FinalImage | null> {
  const worker = navigator.serviceWorker?.controller;
  if (!worker) return Promise.resolve(null);
  const { port1, port2 } = new MessageChannel();
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(null), timeoutMs);
    port1.onmessage = (event: MessageEvent<FinalImage | null>) => {
      clearTimeout(timer);
      port1.close();
      resolve(event.data);
    };
    worker.postMessage({ type: TAKE_FINAL_IMAGE }, [port2]);
  });
}

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
