// The offline app shell: the app's own files, cached at install, so that MyLife opens with the node down or the
// network off (the messages themselves are in the local copy). Built into dist/sw.js by
// build/service-worker-plugin.ts, which puts the two constants below in front of this file.
// It also saves the last image of a closing owner page that no other tab took over (see `saveFinalImage`).

declare const self: ServiceWorkerGlobalScope;
/** A hash of the built files: a new build is a new service worker with a new cache. */
declare const SHELL_VERSION: string;
/** The built files, relative to the app's root (index.html, assets/…, the manifest and icons). */
declare const SHELL_FILES: readonly string[];

const CACHE_PREFIX = 'mylife-shell-';
const CACHE = `${CACHE_PREFIX}${SHELL_VERSION}`;
/** The node's own endpoints: answers from the node or nothing, never the app shell, never a cached copy. */
const NODE_PATHS = [/^\/api(\/|$)/, /^\/admin(\/|$)/, /^\/health(\/|$)/, /^\/\.well-known(\/|$)/];
/** A navigation waits this long for the node before the cached app is shown (the network hangs rather than fails). */
const NAVIGATION_TIMEOUT_MS = 4_000;

// The same names as in src/platform (tab-ownership.ts, image-store.ts, service-worker-registration.ts): this file
// is built alone, without imports.
const OWNER_LOCK = 'mylife-owner';
const IMAGE_NAME = 'mylife.sqlite';
/** IndexedDB (indexeddb-image-store.ts, image-store.ts), for browsers without OPFS createWritable. */
const IDB_DATABASE = 'mylife';
const IDB_STORE = 'images';
const SAVED_AT_NAME = 'mylife.sqlite.saved-at';
const FINAL_IMAGE_MESSAGE = 'mylife-final-image';
const TAKE_FINAL_IMAGE = 'mylife-take-final-image';
/** How long the image waits for the lock: a tab that takes the copy over meanwhile had it handed over directly. */
const FINAL_IMAGE_WAIT_MS = 10_000;

const shellUrl = (file: string) => new URL(file === 'index.html' ? './' : file, self.registration.scope).href;
const SHELL_URLS = new Set(SHELL_FILES.map(shellUrl));
const INDEX_URL = shellUrl('index.html');

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(CACHE);
      // `reload`: the files themselves, not a copy the HTTP cache kept from an older build.
      await cache.addAll([...SHELL_URLS].map((url) => new Request(url, { cache: 'reload' })));
      // A new build takes over at once: its files are all cached, and an older tab's next navigation loads it.
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith(CACHE_PREFIX) && name !== CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

self.addEventListener('fetch', (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== 'GET' || url.origin !== self.location.origin) return;
  if (NODE_PATHS.some((path) => path.test(url.pathname))) return;
  if (request.mode === 'navigate') {
    event.respondWith(navigate(event));
    return;
  }
  const key = url.origin + url.pathname;
  if (url.pathname.startsWith('/assets/') || SHELL_URLS.has(key)) event.respondWith(cacheFirst(request, key));
});

/**
 * The latest app from the node when it answers; the cached one when it does not (or not in time), or when what answers
 * is a server error: a reverse proxy in front of a node that is down says 502/503/504 rather than nothing.
 */
async function navigate(event: FetchEvent): Promise<Response> {
  const network = fetch(event.request);
  // The answer may come after the cached app was shown: still read it, so that the browser does not log a failure.
  event.waitUntil(
    network.then(
      () => undefined,
      () => undefined,
    ),
  );
  let response: Response;
  try {
    response = await Promise.race([network, timeout(NAVIGATION_TIMEOUT_MS)]);
  } catch (error) {
    const cached = await caches.match(INDEX_URL, { cacheName: CACHE });
    if (cached) return cached;
    throw error;
  }
  if (response.status < 500) return response;
  return (await caches.match(INDEX_URL, { cacheName: CACHE })) ?? response;
}

/** Files with hashed names never change: the cached one when there is one, else the network's. */
async function cacheFirst(request: Request, key: string): Promise<Response> {
  const cached = await caches.match(key, { cacheName: CACHE });
  return cached ?? fetch(request);
}

function timeout(ms: number): Promise<never> {
  return new Promise((_resolve, reject) =>
    setTimeout(() => reject(new Error(`no answer from the node in ${ms} ms`)), ms),
  );
}

interface FinalImage {
  image: Uint8Array<ArrayBuffer>;
  exportedAt: number;
  /** Where the page saves its copy. */
  store: 'opfs' | 'indexeddb';
}

/** The image of a closed owner page, while it waits for the lock; a tab that starts owning the copy takes it. */
let waitingImage: FinalImage | null = null;

self.addEventListener('message', (event) => {
  const data: unknown = event.data;
  if (isFinalImage(data)) {
    const final: FinalImage = { image: data.image, exportedAt: data.exportedAt, store: data.store };
    waitingImage = final;
    event.waitUntil(
      saveFinalImage(final)
        .catch((error: unknown) => {
          if (!(error instanceof DOMException && error.name === 'TimeoutError')) {
            console.warn('MyLife: the last changes of a closed tab could not be saved.', error);
          }
        })
        .finally(() => {
          // Not saved and not taken: a tab owned the copy all along and saves its own. Kept, the image would be
          // handed to the next tab that starts owning the copy, over everything saved since.
          if (waitingImage === final) waitingImage = null;
        }),
    );
  } else if (isTakeRequest(data) && event.ports[0]) {
    // A tab starts owning the copy (a reload usually gets the lock before this worker): it starts from the image.
    const final = waitingImage;
    waitingImage = null;
    event.ports[0].postMessage(final);
  }
});

/**
 * A closing owner page cannot finish a save (the browser ends it first), so it posts its image here. Once no tab
 * owns the copy (the owner lock), it is written, unless a tab took it meanwhile (it starts from it and saves it) or
 * the store was saved after the image was taken (a tab owned the copy since: its save is the one to keep).
 */
async function saveFinalImage(final: FinalImage): Promise<void> {
  await navigator.locks.request(OWNER_LOCK, { signal: AbortSignal.timeout(FINAL_IMAGE_WAIT_MS) }, async () => {
    if (waitingImage !== final) return;
    waitingImage = null;
    await (final.store === 'indexeddb' ? saveToIndexedDb(final) : saveToOpfs(final));
  });
}

async function saveToOpfs(final: FinalImage): Promise<void> {
  const root = await navigator.storage.getDirectory();
  const saved = await root.getFileHandle(IMAGE_NAME).then(
    (handle) => handle.getFile(),
    () => null,
  );
  if (saved && saved.lastModified > final.exportedAt) return;
  const writable = await (await root.getFileHandle(IMAGE_NAME, { create: true })).createWritable();
  await writable.write(final.image);
  await writable.close();
}

/** In one transaction: the time of the last save read, and the image written only when it is newer. */
async function saveToIndexedDb(final: FinalImage): Promise<void> {
  const open = indexedDB.open(IDB_DATABASE, 1);
  open.onupgradeneeded = () => open.result.createObjectStore(IDB_STORE);
  const db = await requestDone(open);
  try {
    const transaction = db.transaction(IDB_STORE, 'readwrite', { durability: 'strict' });
    const store = transaction.objectStore(IDB_STORE);
    const done = new Promise<void>((resolve, reject) => {
      transaction.oncomplete = () => resolve();
      transaction.onabort = () => reject(transaction.error ?? new Error('the IndexedDB transaction was aborted'));
    });
    const savedAt: unknown = await requestDone(store.get(SAVED_AT_NAME));
    if (!(typeof savedAt === 'number' && savedAt > final.exportedAt)) {
      store.put(final.image.slice().buffer, IMAGE_NAME);
      store.put(Date.now(), SAVED_AT_NAME);
    }
    await done;
  } finally {
    db.close();
  }
}

function requestDone<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('an IndexedDB request failed'));
  });
}

function isFinalImage(data: unknown): data is FinalImage {
  if (typeof data !== 'object' || data === null) return false;
  const message = data as Record<string, unknown>;
  return (
    message.type === FINAL_IMAGE_MESSAGE &&
    message.image instanceof Uint8Array &&
    typeof message.exportedAt === 'number' &&
    (message.store === 'opfs' || message.store === 'indexeddb')
  );
}

function isTakeRequest(data: unknown): boolean {
  return typeof data === 'object' && data !== null && (data as Record<string, unknown>).type === TAKE_FINAL_IMAGE;
}
