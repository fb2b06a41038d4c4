import { describe, expect, it } from 'vitest';
import { isSendKey, textAfterSend } from '../src/app/conversation/composer-text.ts';

describe('textAfterSend', () => {
  it('empties the composer when nothing was typed during the send', () => {
    expect(textAfterSend('hello ', 'hello ')).toBe('');
  });

  it('keeps what was typed after the sent text', () => {
    expect(textAfterSend('hello\nand more', 'hello')).toBe('and more');
  });

  it('keeps a text that was replaced during the send', () => {
    expect(textAfterSend('something else', 'hello')).toBe('something else');
    expect(textAfterSend('', 'hello')).toBe('');
  });
});

describe('isSendKey', () => {
  const enter = { key: 'Enter', shiftKey: false, altKey: false, isComposing: false, keyCode: 13 };

  it('sends on Enter alone', () => {
    expect(isSendKey(enter)).toBe(true);
  });

  it('starts a new line with Shift or Alt', () => {
    expect(isSendKey({ ...enter, shiftKey: true })).toBe(false);
    expect(isSendKey({ ...enter, altKey: true })).toBe(false);
  });

  it('leaves the Enter that ends an input method composition to it', () => {
    expect(isSendKey({ ...enter, isComposing: true })).toBe(false);
    expect(isSendKey({ ...enter, keyCode: 229 })).toBe(false);
  });

  it('ignores other keys', () => {
    expect(isSendKey({ ...enter, key: 'a', keyCode: 65 })).toBe(false);
  });
});
