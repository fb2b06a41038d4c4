import { describe, expect, it } from 'vitest';
import { previewText } from '../src/app/chats/preview.ts';

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
