import sqlWasmUrl from 'sql.js/dist/sql-wasm.wasm?url';
import { browserDeviceName } from '../platform/device-name.ts';
import { askForPersistentStorage, openImageStore } from '../platform/image-store.ts';
import { LocalCopy } from '../platform/local-copy.ts';
import { reloadWhenRestoredFromCache, watchPageLifecycle } from '../platform/page-lifecycle.ts';
import { claimOwnership } from '../platform/tab-ownership.ts';
import type { Messenger } from './messenger.ts';
import { serveMessenger } from './messenger-host.ts';
import { RemoteMessenger } from './remote-messenger.ts';
import { TAB_CHANNEL } from './tab-protocol.ts';
import { TabMessenger } from './tab-messenger.ts';

/**
 * The Messenger for this tab. One tab of the browser owns the local copy (a Web Lock): it loads the saved image,
 * syncs, saves in batches, and answers the other tabs, whose Messenger sends every call to it. When the owner tab
 * goes, the next tab in line loads the saved copy and takes over; its UI keeps the same Messenger object.
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
    const handedOver = remote?.close() ?? [];
    remote = null;
    let copy: LocalCopy;
    try {
      copy = await openLocalCopy((fresh) => {
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
      // Save, stop syncing, then let the next tab in: it must find the latest image and be the only writer.
      leaving: () => void copy.close().finally(() => ownership.release()),
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

async function openLocalCopy(onReplaced: (fresh: LocalCopy) => void): Promise<LocalCopy> {
  const store = await openImageStore();
  if (!store)
    console.warn('MyLife: this browser lets the app store nothing; your messages are kept for this visit only.');
  return LocalCopy.open({
    store,
    sqlJsConfig: { locateFile: () => sqlWasmUrl },
    origin: location.origin,
    deviceName: browserDeviceName(),
    onReplaced,
  });
}
