import { BadRequestException } from '@nestjs/common';
import { formatAddress, isServerName, localpartOf, pairKey, parseAddress, serverOf } from './address';

describe('parseAddress', () => {
  it('reads a bare localpart as a user of this server', () => {
    expect(parseAddress('alice', 'a.example')).toEqual({ localpart: 'alice', server: 'a.example' });
  });

  it('lower-cases a user of this server, and the server part of any address', () => {
    expect(parseAddress(' Alice@A.Example ', 'a.example')).toEqual({ localpart: 'alice', server: 'a.example' });
    expect(parseAddress('Alice', 'a.example')).toEqual({ localpart: 'alice', server: 'a.example' });
  });

  it("keeps the local part of another server's user exactly as written", () => {
    expect(parseAddress('Bob@Node-B.Example:8443', 'a.example')).toEqual({
      localpart: 'Bob',
      server: 'node-b.example:8443',
    });
  });

  it('reads a bare localpart as a user of the default server, keeping its case when that server is not this one', () => {
    expect(parseAddress('Yara', 'a.example', 'fromUserId', 'seed.example')).toEqual({
      localpart: 'Yara',
      server: 'seed.example',
    });
  });

  it.each([
    '',
    '@a.example',
    'al ice',
    'alice@',
    'alice@bad host',
    "x'; drop table users;--",
    'a'.repeat(65),
    'u@127.0.0.1:99999',
    'u@b.example:65536',
    'u@b.example:0',
    'u@b.example:08443',
    'u@b.example:',
    'Yä@b.example',
  ])('refuses %j with a 400 naming the field', (input) => {
    expect(() => parseAddress(input, 'a.example', 'toUserId')).toThrow(BadRequestException);
    expect(() => parseAddress(input, 'a.example', 'toUserId')).toThrow(/toUserId/);
  });

  it('takes every port from 1 to 65535', () => {
    for (const port of [1, 9, 80, 443, 8787, 9999, 10000, 59999, 64999, 65499, 65529, 65535]) {
      expect(parseAddress(`u@b.example:${port}`, 'a.example').server).toBe(`b.example:${port}`);
    }
  });

  it('formats the parts back into an address', () => {
    expect(formatAddress({ localpart: 'alice', server: 'a.example' })).toBe('alice@a.example');
  });
});

describe('isServerName', () => {
  it.each(['a.example', 'localhost:8787', '127.0.0.1:65535', 'a-b.example', 'xn--bcher-kva.example', '1.2.3.4'])(
    'takes %j',
    (name) => {
      expect(isServerName(name)).toBe(true);
    },
  );

  it.each(['A.example', 'localhost:65536', 'localhost:99999', 'localhost:0', 'a b', `${'a'.repeat(252)}.com:1`])(
    'refuses %j',
    (name) => {
      expect(isServerName(name)).toBe(false);
    },
  );

  // Each passed the old pattern, and then either broke `new URL` (a 500) or named a server a second way.
  it.each([
    ['an IPv4 address out of range', '256.256.256.256'],
    ['an IPv4 address with a bad part', '1.2.3.999'],
    ['five numeric parts', '1.2.3.4.5'],
    ['a number too large for an address', '99999999999'],
    ['invalid punycode', 'xn--zz'],
    ['a name the URL parser rewrites to 127.0.0.1', '0x7f.1'],
    ['a number the URL parser reads as 127.0.0.1', '2130706433'],
    ['an empty label', 'a..b'],
    ['a leading dot', '.a.example'],
    ['a trailing dot', 'localhost.:18791'],
    ['a label starting with a hyphen', '-a.com'],
    ['a label ending with a hyphen', 'a-.com'],
    ['a label of 64 characters', `${'a'.repeat(64)}.com`],
    ['a host of 255 characters', Array(4).fill('a'.repeat(63)).join('.')],
  ])('refuses %s (%j)', (_why, name) => {
    expect(isServerName(name)).toBe(false);
    expect(() => parseAddress(`dave@${name}`, 'a.example', 'toUserId')).toThrow(BadRequestException);
  });
});

describe('address parts', () => {
  it('splits a full address at its last @', () => {
    expect(serverOf('alice@a.example:8443')).toBe('a.example:8443');
    expect(localpartOf('alice@a.example:8443')).toBe('alice');
  });

  it('keys a pair the same way in both orders', () => {
    expect(pairKey('bob@b', 'alice@a')).toBe(pairKey('alice@a', 'bob@b'));
    expect(pairKey('alice@a', 'bob@b')).toBe('alice@a bob@b');
  });
});
