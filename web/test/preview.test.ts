import { describe, expect, it } from 'vitest';
import { previewText, shortText } from '../src/app/chats/preview.ts';

describe('previewText', () => {
  it('folds lines and spaces into one line', () => {
    expect(previewText('  Hello\n\nhow   are\tyou? ', 'bob@b', 'alice@a')).toBe('Hello how are you?');
  });

  it('says "You:" before a message the viewer sent', () => {
    expect(previewText('On my way', 'alice@a', 'alice@a')).toBe('You: On my way');
  });

  it('shortens a long message without cutting an emoji in half', () => {
    const preview = previewText('😀'.repeat(200), 'bob@b', 'alice@a');
    expect(Array.from(preview)).toHaveLength(120);
    expect(preview.endsWith('😀…')).toBe(true);
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
