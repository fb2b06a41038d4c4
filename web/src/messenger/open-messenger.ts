import sqlWasmUrl from 'sql.js/dist/sql-wasm.wasm?url';
import { browserDeviceName } from '../platform/device-name.ts';
import { askForPersistentStorage, type ImageStore, openImageStore } from '../platform/image-store.ts';
import { LocalCopy } from '../platform/local-copy.ts';
import { reloadWhenRestoredFromCache, watchPageLifecycle } from '../platform/page-lifecycle.ts';
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
 */
export async function openMessenger(): Promise<Messenger> {
  const messenger = new TabMessenger();
  const channel = new BroadcastChannel(TAB_CHANNEL);
  let remote: RemoteMessenger | null = null;
  let owner = false;
  let opened!: () => void;
  const ready = new Promise<void>((resolve) => (opened = resolve));

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
      const fromWorker = store?.kind === 'opfs' ? await takeImageFromServiceWorker() : null;
      copy = await openLocalCopy(store, newest(fromTab, fromWorker), (fresh) => {
        copy = fresh;
        messenger.use(fresh.messenger);
      });
    } catch (error) {
      // Without a copy this tab cannot own anything: it asks whichever tab can, and gives the lock up.
      remote = new RemoteMessenger(channel);
      messenger.use(remote, handedOver);
      opened();
      throw error;
    }
    messenger.use(copy.messenger, handedOver);
    copy.start();
    serveMessenger(channel, messenger);
    watchPageLifecycle({
      hidden: () => void copy.flush(),
      leaving: () => {
        // A closing page is ended before an async save completes: hand the unsaved image over first, to the next
        // owner tab and to the service worker (for when no tab takes over). Both messages leave synchronously.
        const final = copy.finalImage();
        if (final) {
          channel.postMessage({ v: TAB_PROTOCOL_VERSION, type: 'final-image', ...final } satisfies TabMessage);
          if (store?.kind === 'opfs') handToServiceWorker(final);
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
    remote = new RemoteMessenger(channel);
    messenger.use(remote);
    opened();
  }
  await ready;
  return messenger;
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
