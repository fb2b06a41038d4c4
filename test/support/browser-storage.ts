/// <reference lib="dom" />
import type { Page } from 'playwright-core';

/*
 * What the app has saved in the browser, read from inside the page: a test waits on these before it reloads or
 * restarts the browser, so that it checks what was saved rather than racing the batched save.
 */

/** True once a composer draft (`mylife.draft.<user>.<peer>` in localStorage) holds `text`. */
export function savedDraft(page: Page, text: string): Promise<boolean> {
  return page.evaluate((wanted) => {
    for (let i = 0; i < localStorage.length; i++) {
      const key = localStorage.key(i)!;
      if (key.startsWith('mylife.draft.') && (localStorage.getItem(key) ?? '').includes(wanted)) return true;
    }
    return false;
  }, text);
}

/**
 * True once a file in the origin's private file system (the saved SQLite image) holds every one of `texts`:
 * SQLite keeps short text as plain UTF-8 in its pages.
 */
export function savedCopyHolds(page: Page, texts: string[]): Promise<boolean> {
  return page.evaluate(async (wanted) => {
    const contents: string[] = [];
    const walk = async (directory: FileSystemDirectoryHandle): Promise<void> => {
      for await (const handle of (directory as unknown as { values(): AsyncIterable<FileSystemHandle> }).values()) {
        if (handle.kind === 'directory') await walk(handle as FileSystemDirectoryHandle);
        else {
          const bytes = await (await (handle as FileSystemFileHandle).getFile()).arrayBuffer();
          contents.push(new TextDecoder().decode(bytes));
        }
      }
    };
    await walk(await navigator.storage.getDirectory());
    return contents.some((content) => wanted.every((text) => content.includes(text)));
  }, texts);
}

/** True once a service worker is active and controls the page (its precache is then complete). */
export function serviceWorkerReady(page: Page): Promise<boolean> {
  return page.evaluate(async () => {
    const registration = await navigator.serviceWorker?.getRegistration();
    return Boolean(registration?.active && navigator.serviceWorker.controller);
  });
}
