import type { Invite, OutboxEntry } from '@mylife/client';
import { describe, expect, it } from 'vitest';
import { inviteProblem } from '../src/app/friends/invite-check.ts';
import { refusedText } from '../src/app/friends/refused-text.ts';
import { refusedActionOf } from '../src/messenger/local-messenger.ts';

const viewer = 'alice@node.example';

function failed(operation: OutboxEntry['operation'], lastError = 'no user nobody@node.example'): OutboxEntry {
  return {
    id: 7,
    operation,
    state: 'failed',
    attempts: 1,
    nextAttemptAt: 0,
    lastError,
    createdAt: '2026-12-07T08:00:00Z',
  };
}

describe('refusedActionOf', () => {
  it('tells a refused invite and unfriend by whom they were about', () => {
    const invite = failed({ kind: 'invite', inviteId: 'i1', toUserId: 'nobody@node.example', message: null });
    expect(refusedActionOf(invite, new Map(), viewer)).toEqual({
      id: 7,
      kind: 'invite',
      address: 'nobody@node.example',
      inviteId: 'i1',
      inviteStatus: null,
      reason: 'no user nobody@node.example',
      at: '2026-12-07T08:00:00Z',
    });
    const unfriend = failed({ kind: 'unfriend', friendUserId: 'bob@node.example' }, 'not friends');
    expect(refusedActionOf(unfriend, new Map(), viewer)).toMatchObject({
      kind: 'unfriend',
      address: 'bob@node.example',
    });
  });

  it('finds the other person of an answered invite, or says it does not know', () => {
    const invites = new Map([
      ['i2', { id: 'i2', fromUserId: 'dave@node.example', toUserId: viewer, status: 'revoked' } as Invite],
    ]);
    expect(refusedActionOf(failed({ kind: 'accept', inviteId: 'i2' }), invites, viewer)).toMatchObject({
      kind: 'accept',
      address: 'dave@node.example',
      inviteStatus: 'revoked',
    });
    expect(refusedActionOf(failed({ kind: 'revoke', inviteId: 'gone' }), invites, viewer)).toMatchObject({
      kind: 'revoke',
      address: null,
    });
  });

  it('leaves refused sends (told on their message) and read receipts out', () => {
    expect(refusedActionOf(failed({ kind: 'send', clientMessageId: 'c1' }), new Map(), viewer)).toBeNull();
    expect(refusedActionOf(failed({ kind: 'read', messageId: 'm1' }), new Map(), viewer)).toBeNull();
  });
});

describe('refusedText', () => {
  it('says what was refused, with whom and why, in one sentence', () => {
    const action = { id: 1, inviteId: 'i1', inviteStatus: null, at: '', reason: 'no user nobody@node.example.' };
    expect(refusedText({ ...action, kind: 'invite', address: 'nobody@node.example' })).toBe(
      'Your invite to nobody@node.example was not sent: no user nobody@node.example.',
    );
    expect(refusedText({ ...action, kind: 'accept', address: null, reason: '' })).toBe(
      'Accepting the invite from someone did not work: the server refused it.',
    );
  });
});

describe('refusedText of answers that crossed', () => {
  const action = { id: 1, inviteId: 'i1', at: '', reason: 'no pending invite i1 addressed to you', address: 'dave@x' };

  it('says the other person withdrew or answered first, rather than the node words', () => {
    expect(refusedText({ ...action, kind: 'accept', inviteStatus: 'revoked' })).toBe(
      'dave@x withdrew the invite before your answer reached them.',
    );
    expect(refusedText({ ...action, kind: 'decline', inviteStatus: 'revoked' })).toBe(
      'dave@x withdrew the invite before your answer reached them.',
    );
    expect(refusedText({ ...action, kind: 'revoke', inviteStatus: 'accepted' })).toBe(
      'dave@x had already accepted your invite, so it could not be revoked.',
    );
    expect(refusedText({ ...action, kind: 'revoke', inviteStatus: 'declined' })).toBe(
      'dave@x had already declined your invite.',
    );
  });

  it('falls back to the node reason when the invite state says nothing', () => {
    expect(refusedText({ ...action, kind: 'accept', inviteStatus: 'pending' })).toBe(
      'Accepting the invite from dave@x did not work: no pending invite i1 addressed to you.',
    );
  });
});

describe('inviteProblem', () => {
  const friends = [{ address: 'carol@node.example' }];

  it('says what is wrong before anything is sent', () => {
    expect(inviteProblem('  ', viewer, friends)).toBe('Enter the address of the person to invite.');
    expect(inviteProblem('a@b@c', viewer, friends)).toMatch(/^“a@b@c” is not an address/);
    expect(inviteProblem('Alice', viewer, friends)).toBe('That is your own address.');
    expect(inviteProblem('carol', viewer, friends)).toBe('You and carol@node.example are already friends.');
  });

  it('lets a new address through, here or on another server', () => {
    expect(inviteProblem('dave', viewer, friends)).toBeNull();
    expect(inviteProblem('bob@other.example:8788', viewer, friends)).toBeNull();
  });
});
