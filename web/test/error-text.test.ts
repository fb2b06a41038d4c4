import { ApiError, KeyChangeBlockedError } from '@mylife/client';
import { describe, expect, it } from 'vitest';
import { errorText, isKeyChange, loginErrorText, otherServerOf } from '../src/app/common/error-text.ts';
import { strings } from '../src/i18n/strings.ts';
import { toMessengerError } from '../src/messenger/local-messenger.ts';
import { MessengerError } from '../src/messenger/messenger.ts';

describe('loginErrorText', () => {
  it('says the contract words for a wrong password and an unreachable node', () => {
    expect(
      loginErrorText(new MessengerError('unauthorized', 'wrong username or password', 401), 'localhost:8787'),
    ).toMatch(/^Wrong username or password/);
    expect(
      loginErrorText(new MessengerError('unreachable', 'cannot reach http://localhost:8787'), 'localhost:8787'),
    ).toMatch(/^Can't reach localhost:8787/);
  });

  it('says the node cannot be reached when a proxy in front of it answers 502 or 504', () => {
    expect(loginErrorText(new MessengerError('refused', 'Bad Gateway', 502), 'family.example')).toMatch(
      /^Can't reach family\.example/,
    );
    expect(errorText(new MessengerError('refused', 'Gateway Timeout', 504), 'family.example')).toMatch(
      /^Can't reach family\.example/,
    );
  });

  it('says when to try again after too many attempts', () => {
    expect(loginErrorText(new MessengerError('refused', 'too many', 429, 240), 'n')).toBe(
      'Too many attempts. Try again in 4 minutes.',
    );
    expect(loginErrorText(new MessengerError('refused', 'too many', 429), 'n')).toBe(
      'Too many attempts. Try again in a few minutes.',
    );
  });

  it("takes the wait from the node's Retry-After, as the client library's error carries it", () => {
    const refusal = toMessengerError(new ApiError(429, 'too many login attempts', 'r1', 840));
    expect(refusal).toMatchObject({ kind: 'refused', status: 429, retryAfterSeconds: 840 });
    expect(loginErrorText(refusal, 'n')).toBe('Too many attempts. Try again in 14 minutes.');
    expect(loginErrorText(toMessengerError(new ApiError(429, 'too many', null, 45)), 'n')).toBe(
      'Too many attempts. Try again in 45 seconds.',
    );
  });
});

describe('errorText', () => {
  it('words each kind, never showing an object or a stack', () => {
    expect(errorText(new MessengerError('invalid', 'not an address: @'), 'n')).toBe(
      'That did not work: not an address: @.',
    );
    expect(errorText(new MessengerError('refused', 'you are not friends with bob@b.', 403), 'n')).toBe(
      'The server refused: you are not friends with bob@b.',
    );
    expect(errorText(new MessengerError('refused', 'internal error', 500), 'n')).toBe(
      'The server had a problem. Try again in a moment.',
    );
    expect(errorText(new MessengerError('unauthorized', 'x', 401), 'n')).toMatch(/Log in again/);
    expect(errorText(new TypeError('x is undefined'), 'n')).toBe(
      'Something went wrong. Try again, or reload the page.',
    );
    expect(errorText({ foo: 1 }, 'n')).not.toContain('[object');
  });

  it('reads an error that crossed from another tab as plain data', () => {
    expect(errorText({ kind: 'unreachable', message: 'offline', status: null }, 'node.example')).toMatch(
      /^Can't reach node\.example/,
    );
  });
});

describe('errorText for the tabs’ own troubles', () => {
  it('says what happened between the tabs, not that the node cannot be reached', () => {
    for (const message of [strings.tabs.noOwner, strings.tabs.ownerClosed, strings.tabs.otherVersion]) {
      // As RemoteMessenger makes them, and as they arrive from another tab as plain data.
      const kind = message === strings.tabs.otherVersion ? 'refused' : 'unreachable';
      expect(errorText(new MessengerError(kind, message), 'localhost:8787')).toBe(message);
      expect(errorText({ kind, message, status: null, retryAfterSeconds: null }, 'localhost:8787')).toBe(message);
      expect(loginErrorText(new MessengerError(kind, message), 'localhost:8787')).toBe(message);
    }
  });
});

describe('otherServerOf', () => {
  it('names the server of an address that is not this node', () => {
    expect(otherServerOf('bob@Other.example', 'localhost:8787')).toBe('other.example');
    expect(otherServerOf('alice@LOCALHOST:8787', 'localhost:8787')).toBeNull();
    expect(otherServerOf('alice', 'localhost:8787')).toBeNull();
  });

  it("judges nothing while the node's name is unknown: the node judges the address itself", () => {
    expect(otherServerOf('alice@localhost:8787', null)).toBeNull();
  });
});

describe('a send blocked by a key change', () => {
  it("is the client library's KeyChangeBlockedError, as the key-changed kind (never a generic error)", () => {
    const blocked = toMessengerError(new KeyChangeBlockedError('bob@b.example'));
    expect(blocked).toMatchObject({ kind: 'key-changed', status: null });
    expect(blocked.message).toContain('bob@b.example');
    expect(isKeyChange(blocked)).toBe(true);
  });

  it('is recognised also after crossing from the owner tab as plain data, and says what unblocks it', () => {
    const crossed = {
      kind: 'key-changed',
      message: 'safety number of bob@b changed',
      status: null,
      retryAfterSeconds: null,
    };
    expect(isKeyChange(crossed)).toBe(true);
    expect(errorText(crossed, 'n')).toBe('The safety number changed: acknowledge it to send messages again.');
    expect(isKeyChange(new MessengerError('refused', 'not friends', 403))).toBe(false);
    expect(isKeyChange(new Error('key-changed'))).toBe(false);
  });
});
