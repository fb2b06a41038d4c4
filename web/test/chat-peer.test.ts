import { describe, expect, it } from 'vitest';
import { chatPeerOf } from '../src/app/routing/chat-peer.ts';

const viewer = 'alice@node.example:8787';

describe('chatPeerOf', () => {
  it('reads a bare username, or an address in another case, as the local copy keys it', () => {
    expect(chatPeerOf('carol', viewer)).toEqual({ valid: true, address: 'carol@node.example:8787' });
    expect(chatPeerOf('Carol@NODE.example:8787', viewer)).toEqual({ valid: true, address: 'carol@node.example:8787' });
    expect(chatPeerOf(' carol@node.example:8787 ', viewer)).toEqual({
      valid: true,
      address: 'carol@node.example:8787',
    });
  });

  it('keeps the case of a user of another server, and lower-cases the server', () => {
    expect(chatPeerOf('Yara@Seed.Example', viewer)).toEqual({ valid: true, address: 'Yara@seed.example' });
    expect(chatPeerOf('bob@localhost:8788', viewer)).toEqual({ valid: true, address: 'bob@localhost:8788' });
  });

  it('refuses what names no one', () => {
    for (const garbage of [
      'a@b@c',
      '@node.example',
      'bob@',
      'carol@node.example:8787/extra',
      '<img src=x onerror=alert(1)>',
      '%E0%A4%A',
      'bob smith@node.example',
      'bob@-node.example',
      'bob@node.example:',
      `${'x'.repeat(65)}@node.example`,
    ]) {
      expect(chatPeerOf(garbage, viewer), garbage).toEqual({ valid: false });
    }
  });
});
