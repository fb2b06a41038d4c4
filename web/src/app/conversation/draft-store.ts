/**
 * The composer's unsent text per conversation, in localStorage so that it survives a reload and a browser restart
 * (the local copy is saved in batches and owned by one tab; a draft is typed in any tab).
 */
const PREFIX = 'mylife.draft.';

export function draftKey(user: string, peer: string): string {
  return `${PREFIX}${user}.${peer}`;
}

export function loadDraft(storage: Storage, user: string, peer: string): string {
  try {
    return storage.getItem(draftKey(user, peer)) ?? '';
  } catch {
    return '';
  }
}

/** An empty (or blank) draft is removed rather than stored. Storage being full or off loses only the draft. */
export function saveDraft(storage: Storage, user: string, peer: string, text: string): void {
  try {
    if (text.trim()) storage.setItem(draftKey(user, peer), text);
    else storage.removeItem(draftKey(user, peer));
  } catch {
    // Private mode or a full quota: the draft lives on in the composer until the tab closes.
  }
}

/** Every draft of `user` (logout: what they typed does not stay behind for the next person). */
export function clearDrafts(storage: Storage, user: string): void {
  const prefix = `${PREFIX}${user}.`;
  const keys: string[] = [];
  for (let index = 0; index < storage.length; index++) {
    const key = storage.key(index);
    if (key?.startsWith(prefix)) keys.push(key);
  }
  for (const key of keys) storage.removeItem(key);
}
