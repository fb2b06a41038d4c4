import { BadRequestException } from '@nestjs/common';
import { formatAddress, isServerName, parseAddress } from './address';

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
  it.each(['a.example', 'localhost:8787', '127.0.0.1:65535'])('takes %j', (name) => {
    expect(isServerName(name)).toBe(true);
  });

  it.each(['A.example', 'localhost:65536', 'localhost:99999', 'localhost:0', 'a b', `${'a'.repeat(252)}.com:1`])(
    'refuses %j',
    (name) => {
      expect(isServerName(name)).toBe(false);
    },
  );
});
