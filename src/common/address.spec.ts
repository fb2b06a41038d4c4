import { BadRequestException } from '@nestjs/common';
import { formatAddress, parseAddress } from './address';

describe('parseAddress', () => {
  it('reads a bare localpart as a user of this server', () => {
    expect(parseAddress('alice', 'a.example')).toEqual({ localpart: 'alice', server: 'a.example' });
  });

  it('reads a full address, lower-casing it', () => {
    expect(parseAddress('Bob@Node-B.Example:8443', 'a.example')).toEqual({
      localpart: 'bob',
      server: 'node-b.example:8443',
    });
  });

  it.each(['', '@a.example', 'al ice', 'alice@', 'alice@bad host', "x'; drop table users;--", 'a'.repeat(65)])(
    'refuses %j with a 400 naming the field',
    (input) => {
      expect(() => parseAddress(input, 'a.example', 'toUserId')).toThrow(BadRequestException);
      expect(() => parseAddress(input, 'a.example', 'toUserId')).toThrow(/toUserId/);
    },
  );

  it('formats the parts back into an address', () => {
    expect(formatAddress({ localpart: 'alice', server: 'a.example' })).toBe('alice@a.example');
  });
});
