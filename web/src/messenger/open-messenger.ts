import sqlWasmUrl from 'sql.js/dist/sql-wasm.wasm?url';
import { strings } from '../i18n/strings.ts';
import { browserDeviceName } from '../platform/device-name.ts';
import { askForPersistentStorage, type ImageStore, openImageStore } from '../platform/image-store.ts';
import { LocalCopy } from '../platform/local-copy.ts';
import {
  reloadForNewerVersion,
  reloadUnlessRecent,
  reloadWhenRestoredFromCache,
  watchPageLifecycle,
} from '../platform/page-lifecycle.ts';
import { handToServiceWorker, takeImageFromServiceWorker } from '../platform/service-worker-registration.ts';
import { claimOwnership } from '../platform/tab-ownership.ts';
import type { Messenger } from './messenger.ts';
import { serveMessenger } from './messenger-host.ts';
import { RemoteMessenger } from './remote-messenger.ts';
import { type FinalImage, TAB_CHANNEL, TAB_PROTOCOL_VERSION, type TabMessage } from './tab-protocol.ts';
import { TabMessenger } from './tab-messenger.ts';

/**
 * The Messenger for this tab. One tab of the browser owns the local copy (a Web Lock): it loads the saved image,
 * syncs, saves in batches, and answers the other tabs, whose Messenger sends every call to it. When the owner tab
 * goes, the next tab in line loads the copy and takes over; its UI keeps the same Messenger object.
 *
 * Rejects, with a reason fit to show, when this tab cannot open the copy as it starts (the WebAssembly engine cannot
 * be loaded, the page is not a secure context): the app says so instead of waiting for ever. A tab that fails to
 * take the copy over later reloads, which makes it a follower of a tab that could, or shows why it cannot.
 */
export async function openMessenger(): Promise<Messenger> {
  assertSupported();
  const messenger = new TabMessenger();
  const channel = new BroadcastChannel(TAB_CHANNEL);
  let remote: RemoteMessenger | null = null;
  let owner = false;
  let settled = false;
  let opened!: () => void;
  let failed!: (error: unknown) => void;
  const ready = new Promise<void>((resolve, reject) => {
    opened = () => {
      settled = true;
      resolve();
    };
    failed = (error) => {
      settled = true;
      reject(error instanceof Error ? error : new Error(String(error)));
    };
  });

  const becomeOwner = async () => {
    owner = true;
    messenger.hold();
    const fromTab = remote?.handedImage ?? null;
    const handedOver = remote?.close() ?? [];
    remote = null;
    let store: ImageStore | null;
    let copy: LocalCopy;
    try {
      store = await openImageStore();
      const fromWorker = store ? await takeImageFromServiceWorker() : null;
      copy = await openLocalCopy(store, newest(fromTab, fromWorker), (fresh) => {
        copy = fresh;
        messenger.use(fresh.messenger);
      });
    } catch (error) {
      // Without a copy this tab cannot own anything, and gives the lock up (claimOwnership) to the next tab in line.
      // As the app starts: it says why. Later (taking over from a closed owner): sql.js keeps a failed engine load for
      // the page's life, so only a new page can try again; it follows the tab that owns the copy by then, if any.
      // Failing again within minutes, it stays a follower (its calls wait for an owner) rather than reload in a loop.
      if (!settled) failed(error);
      else if (!reloadUnlessRecent('take-over-failed')) {
        remote = new RemoteMessenger(channel, { onNewerOwner: reloadForNewerVersion });
        messenger.use(remote, handedOver);
      }
      throw error;
    }
    messenger.use(copy.messenger, handedOver);
    copy.start();
    serveMessenger(channel, messenger, { onNewerTab: reloadForNewerVersion });
    watchPageLifecycle({
      hidden: () => void copy.flush(),
      leaving: () => {
        // A closing page is ended before an async save completes: hand the unsaved image over first, to the next
        // owner tab and to the service worker (for when no tab takes over). Both messages leave synchronously.
        const final = copy.finalImage();
        if (final) {
          channel.postMessage({ v: TAB_PROTOCOL_VERSION, type: 'final-image', ...final } satisfies TabMessage);
          if (store) handToServiceWorker(final, store.kind);
        }
        // Then save, stop syncing and let the next tab in, where the page lives long enough (a navigation, the
        // back/forward cache); the browser releases the lock anyway when the page is gone.
        void copy.close().finally(() => ownership.release());
      },
    });
    reloadWhenRestoredFromCache();
    void askForPersistentStorage();
    opened();
  };

  const ownership = claimOwnership(becomeOwner);
  if (!(await ownership.ownedAtOnce) && !owner) {
    remote = new RemoteMessenger(channel, { onNewerOwner: reloadForNewerVersion });
    messenger.use(remote);
    opened();
  }
  await ready;
  return messenger;
}

/**
 * Web Locks (one owner tab), `crypto.randomUUID` (the ids of messages and invites) and the origin private file system
 * exist only in secure contexts: on plain http to another computer every tab would own the copy and write over the
 * others' saves, so the app refuses to start there and says how to open it.
 */
function assertSupported(): void {
  if (!window.isSecureContext) throw new Error(strings.needsSecureContext(location.origin));
  if (!navigator.locks || typeof crypto.randomUUID !== 'function' || typeof BroadcastChannel === 'undefined') {
    throw new Error(strings.browserTooOld);
  }
}

function openLocalCopy(
  store: ImageStore | null,
  handedImage: FinalImage | null,
  onReplaced: (fresh: LocalCopy) => void,
): Promise<LocalCopy> {
  if (!store)
    console.warn('MyLife: this browser lets the app store nothing; your messages are kept for this visit only.');
  return LocalCopy.open({
    store,
    handedImage,
    sqlJsConfig: { locateFile: () => sqlWasmUrl },
    origin: location.origin,
    deviceName: browserDeviceName(),
    onReplaced,
  });
}

function newest(...images: (FinalImage | null)[]): FinalImage | null {
  return images.reduce((latest, image) =>
    image && (!latest || image.exportedAt > latest.exportedAt) ? image : latest,
  );
}
