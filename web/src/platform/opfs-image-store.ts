import { IMAGE_NAME, type ImageStore, SET_ASIDE_NAME } from './image-store.ts';

/** `FileSystemFileHandle.move`, in Chromium and Safari but not yet in TypeScript's DOM types. */
interface MovableFileHandle extends FileSystemFileHandle {
  move?: (newName: string) => Promise<void>;
}

/** The image as one file in the Origin Private File System, replaced atomically by `createWritable().close()`. */
export class OpfsImageStore implements ImageStore {
  readonly kind = 'opfs';
  readonly description = 'the origin private file system';

  private constructor(private readonly root: FileSystemDirectoryHandle) {}

  static async open(): Promise<OpfsImageStore | null> {
    // Safari before 26 has OPFS but no createWritable outside workers: without an atomic replace, use IndexedDB.
    if (typeof navigator.storage?.getDirectory !== 'function') return null;
    if (typeof FileSystemFileHandle === 'undefined' || !('createWritable' in FileSystemFileHandle.prototype)) {
      return null;
    }
    try {
      return new OpfsImageStore(await navigator.storage.getDirectory());
    } catch (error) {
      console.warn('MyLife: the origin private file system is not available here; using IndexedDB.', error);
      return null;
    }
  }

  async load(): Promise<Uint8Array | null> {
    const handle = await this.file(IMAGE_NAME);
    if (!handle) return null;
    const file = await handle.getFile();
    return new Uint8Array(await file.arrayBuffer());
  }

  async save(bytes: Uint8Array): Promise<void> {
    const handle = await this.root.getFileHandle(IMAGE_NAME, { create: true });
    // The writable fills a swap file; close() swaps it in, so a crash mid-write leaves the previous image.
    const writable = await handle.createWritable();
    try {
      await writable.write(bytes as Uint8Array<ArrayBuffer>);
      await writable.close();
    } catch (error) {
      await writable.abort().catch(() => undefined);
      throw error;
    }
  }

  async setAside(): Promise<void> {
    const handle = (await this.file(IMAGE_NAME)) as MovableFileHandle | null;
    if (!handle) return;
    await this.remove(SET_ASIDE_NAME);
    try {
      if (handle.move) {
        await handle.move(SET_ASIDE_NAME);
        return;
      }
      const copy = await this.root.getFileHandle(SET_ASIDE_NAME, { create: true });
      const writable = await copy.createWritable();
      await writable.write(await handle.getFile());
      await writable.close();
    } catch (error) {
      console.error(`MyLife: could not keep the unreadable copy as ${SET_ASIDE_NAME}; removing it.`, error);
    }
    await this.remove(IMAGE_NAME);
  }

  /** Also what a write cut short left behind (Chromium's `mylife.sqlite.crswap`): it may hold messages too. */
  async erase(): Promise<void> {
    for (const name of await this.names()) {
      if (name.startsWith(IMAGE_NAME)) await this.remove(name).catch(() => undefined);
    }
    await this.remove(IMAGE_NAME);
  }

  private async file(name: string): Promise<FileSystemFileHandle | null> {
    try {
      return await this.root.getFileHandle(name);
    } catch (error) {
      if (error instanceof DOMException && error.name === 'NotFoundError') return null;
      throw error;
    }
  }

  private async names(): Promise<string[]> {
    const names: string[] = [];
    for await (const name of this.root.keys()) names.push(name);
    return names;
  }

  private async remove(name: string): Promise<void> {
    try {
      await this.root.removeEntry(name);
    } catch (error) {
      if (!(error instanceof DOMException && error.name === 'NotFoundError')) throw error;
    }
  }
}
