import { describe, expect, it } from 'vitest';
import { previewText, shortText } from '../src/app/chats/preview.ts';

describe('previewText', () => {
  it('folds lines and spaces into one line', () => {
    expect(previewText('  Hello\n\nhow   are\tyou? ', 'bob@b', 'alice@a', 'plain')).toBe('Hello how are you?');
  });

  it('says "You:" before a message the viewer sent', () => {
    expect(previewText('On my way', 'alice@a', 'alice@a', 'plain')).toBe('You: On my way');
  });

  it('shortens a long message without cutting an emoji in half', () => {
    const preview = previewText('😀'.repeat(200), 'bob@b', 'alice@a', 'plain');
    expect(Array.from(preview)).toHaveLength(120);
    expect(preview.endsWith('😀…')).toBe(true);
  });
});

describe('previewText of an end-to-end encrypted message', () => {
  it('shows the text this device decrypted', () => {
    expect(previewText('See you at 8', 'bob@b', 'alice@a', 'e2ee')).toBe('See you at 8');
    expect(previewText('On my way', 'alice@a', 'alice@a', 'e2ee')).toBe('You: On my way');
  });

  it('says "Encrypted message" for one this device cannot (or cannot yet) read, whatever its content holds', () => {
    expect(previewText('', 'bob@b', 'alice@a', 'undecryptable')).toBe('Encrypted message');
    expect(previewText('{"v":1,"message":"AAAA"}', 'bob@b', 'alice@a', 'undecryptable')).toBe('Encrypted message');
    expect(previewText('', 'bob@b', 'alice@a', 'pending')).toBe('Encrypted message');
    expect(previewText('', 'alice@a', 'alice@a', 'undecryptable')).toBe('You: Encrypted message');
  });
});

describe('shortText', () => {
  it('keeps a short message whole, folded into one line', () => {
    expect(shortText('Dinner\n at 8?', 200)).toBe('Dinner at 8?');
  });

  it('cuts a 64 KiB message down to the given length', () => {
    const text = shortText('word '.repeat(13_000), 200);
    expect(Array.from(text)).toHaveLength(200);
    expect(text.endsWith('…')).toBe(true);
  });
});
