import { beforeEach, describe, expect, it } from 'vitest';
import { clearDrafts, draftKey, loadDraft, saveDraft } from '../src/app/conversation/draft-store.ts';

/** The Web Storage interface over a Map: what localStorage does, in Node. */
class MapStorage implements Storage {
  private readonly items = new Map<string, string>();
  failWrites = false;
  get length() {
    return this.items.size;
  }
  clear() {
    this.items.clear();
  }
  getItem(key: string) {
    return this.items.get(key) ?? null;
  }
  key(index: number) {
    return [...this.items.keys()][index] ?? null;
  }
  removeItem(key: string) {
    this.items.delete(key);
  }
  setItem(key: string, value: string) {
    if (this.failWrites) throw new DOMException('quota', 'QuotaExceededError');
    this.items.set(key, value);
  }
}

describe('draft storage', () => {
  let storage: MapStorage;
  beforeEach(() => {
    storage = new MapStorage();
  });

  it('keeps a draft per user and conversation under the agreed key', () => {
    saveDraft(storage, 'alice@a.example', 'bob@b.example', 'Hello\nBob');
    saveDraft(storage, 'alice@a.example', 'carol@a.example', 'Hi Carol');
    expect(storage.getItem('mylife.draft.alice@a.example.bob@b.example')).toBe('Hello\nBob');
    expect(draftKey('alice@a.example', 'bob@b.example')).toBe('mylife.draft.alice@a.example.bob@b.example');
    expect(loadDraft(storage, 'alice@a.example', 'bob@b.example')).toBe('Hello\nBob');
    expect(loadDraft(storage, 'alice@a.example', 'carol@a.example')).toBe('Hi Carol');
    expect(loadDraft(storage, 'carol@a.example', 'bob@b.example')).toBe('');
  });

  it('removes the draft when it is emptied or blank', () => {
    saveDraft(storage, 'alice@a', 'bob@b', 'Hello');
    saveDraft(storage, 'alice@a', 'bob@b', '  \n ');
    expect(storage.length).toBe(0);
  });

  it('clears every draft of one user and no one else', () => {
    saveDraft(storage, 'alice@a', 'bob@b', 'one');
    saveDraft(storage, 'alice@a', 'carol@a', 'two');
    saveDraft(storage, 'dave@a', 'bob@b', 'three');
    storage.setItem('mylife.device-id', 'abcd');
    clearDrafts(storage, 'alice@a');
    expect(loadDraft(storage, 'alice@a', 'bob@b')).toBe('');
    expect(loadDraft(storage, 'alice@a', 'carol@a')).toBe('');
    expect(loadDraft(storage, 'dave@a', 'bob@b')).toBe('three');
    expect(storage.getItem('mylife.device-id')).toBe('abcd');
  });

  it('loses only the draft when storage refuses the write', () => {
    storage.failWrites = true;
    expect(() => saveDraft(storage, 'alice@a', 'bob@b', 'Hello')).not.toThrow();
    expect(loadDraft(storage, 'alice@a', 'bob@b')).toBe('');
  });
});
