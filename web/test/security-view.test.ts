import type { ConversationSecurity } from '@mylife/client';
import { describe, expect, it } from 'vitest';
import { digitGroups } from '../src/app/security/safety-number.ts';
import { qrPath } from '../src/app/security/qr-path.ts';
import { keyChangeWarning, securityLabel } from '../src/app/security/security-view.ts';

function security(fields: Partial<ConversationSecurity>): ConversationSecurity {
  return {
    peer: 'bob@b.example',
    state: 'encrypted',
    reason: null,
    verified: false,
    keyChanged: false,
    canSend: true,
    ...fields,
  };
}

describe('securityLabel', () => {
  it('says "Encrypted" for an encrypted conversation, with no reason line', () => {
    expect(securityLabel(security({}), 'Bob')).toEqual({ state: 'encrypted', text: 'Encrypted', reason: null });
  });

  it("says why a conversation is not encrypted: the friend's server has no key directory", () => {
    const label = securityLabel(
      security({ state: 'not-encrypted', reason: 'peer-server-has-no-key-directory' }),
      'Bob',
    );
    expect(label.state).toBe('not-encrypted');
    expect(label.text).toBe('Not encrypted');
    expect(label.reason).toBe(
      'Not end-to-end encrypted: b.example, Bob’s server, does not support encryption. The servers can read these ' +
        'messages.',
    );
  });

  it('says why a conversation is not encrypted: the friend has no keys yet', () => {
    const label = securityLabel(security({ state: 'not-encrypted', reason: 'peer-has-no-keys' }), 'Bob');
    expect(label.reason).toBe(
      'Not end-to-end encrypted: Bob has not set up encryption yet. The servers can read these messages.',
    );
  });

  it('says when it is our own server that has no key directory', () => {
    const label = securityLabel(security({ state: 'not-encrypted', reason: 'own-server-has-no-key-directory' }), 'Bob');
    expect(label.reason).toBe(
      'Not end-to-end encrypted: your server does not support encryption. The servers can read these messages.',
    );
  });

  it('says the state is not known yet until the friend’s keys were looked up', () => {
    const label = securityLabel(security({ state: 'unknown' }), 'bob@b.example');
    expect(label).toMatchObject({ state: 'unknown', text: 'Encryption not checked yet' });
    expect(label.reason).toContain('bob@b.example');
  });
});

describe('keyChangeWarning', () => {
  it('names the friend whose safety number changed while the change is not acknowledged', () => {
    const warning = keyChangeWarning(security({ keyChanged: true, canSend: false }), 'Bob');
    expect(warning).toMatch(/^Bob’s safety number changed\. /);
    expect(warning).toContain('acknowledge');
  });

  it('is null once acknowledged, and before the security is known', () => {
    expect(keyChangeWarning(security({ keyChanged: false, verified: true }), 'Bob')).toBeNull();
    expect(keyChangeWarning(undefined, 'Bob')).toBeNull();
  });
});

describe('digitGroups', () => {
  const digits = '12345 67890 13579 24680 11223 34455 66778 89900 10293 84756 00000 99999';

  it('gives the 12 groups of 5 of a 60-digit safety number', () => {
    const groups = digitGroups(digits);
    expect(groups).toHaveLength(12);
    expect(groups[0]).toBe('12345');
    expect(groups[11]).toBe('99999');
    expect(groups.every((group) => /^\d{5}$/.test(group))).toBe(true);
  });

  it('groups the same digits the same way whatever the spacing they came with', () => {
    expect(digitGroups(digits.replace(/ /g, ''))).toEqual(digitGroups(digits));
    expect(digitGroups(digits.replace(/ /g, '\n'))).toEqual(digitGroups(digits));
  });

  it('keeps leading zeros (a group is text, not a number)', () => {
    expect(digitGroups('00001 00000')).toEqual(['00001', '00000']);
  });
});

describe('qrPath', () => {
  it('draws each run of dark modules in a row as one rectangle, and nothing for light ones', () => {
    expect(
      qrPath([
        [true, true, false, true],
        [false, false, false, false],
        [false, true, true, true],
      ]),
    ).toBe('M0 0h2v1h-2zM3 0h1v1h-1zM1 2h3v1h-3z');
  });

  it('is empty for a code with no dark module', () => {
    expect(qrPath([[false, false]])).toBe('');
  });
});
