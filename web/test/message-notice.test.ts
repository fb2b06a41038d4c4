import type { UndecryptableReason } from '@mylife/client';
import { describe, expect, it } from 'vitest';
import { messageNotice } from '../src/app/conversation/message-notice.ts';

describe('messageNotice', () => {
  it('has nothing to say of a message whose text is there: plain, or decrypted on this device', () => {
    expect(messageNotice({ encryption: 'plain', undecryptableReason: null, content: 'Hi' })).toBeNull();
    expect(messageNotice({ encryption: 'e2ee', undecryptableReason: null, content: 'Hi' })).toBeNull();
  });

  it('says a message sent before this device joined cannot be read here', () => {
    expect(messageNotice({ encryption: 'undecryptable', undecryptableReason: 'before-this-device', content: '' })).toBe(
      'Sent before this device joined: it cannot be read here.',
    );
  });

  it('says a tampered, replayed, foreign or expired message could not be decrypted', () => {
    const reasons: (UndecryptableReason | null)[] = [
      'tampered',
      'replayed',
      'not-a-member',
      'unknown-group',
      'expired',
      null,
    ];
    for (const reason of reasons) {
      expect(messageNotice({ encryption: 'undecryptable', undecryptableReason: reason, content: '' })).toBe(
        'This message could not be decrypted.',
      );
    }
  });

  it('never shows what an undecryptable message holds, even when it is not empty', () => {
    expect(
      messageNotice({
        encryption: 'undecryptable',
        undecryptableReason: 'tampered',
        content: '{"v":1,"message":"AA"}',
      }),
    ).toBe('This message could not be decrypted.');
  });

  it('says a received message of a later epoch waits for its keys', () => {
    expect(messageNotice({ encryption: 'pending', undecryptableReason: null, content: '' })).toBe('Waiting for keys…');
  });

  it("shows this device's own message that waits for the friend's keys as its sender typed it", () => {
    expect(messageNotice({ encryption: 'pending', undecryptableReason: null, content: 'On my way' })).toBeNull();
  });
});
