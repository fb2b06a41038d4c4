import { describe, expect, it } from 'vitest';
import { LocalValidationError, toAddress } from '../src/address.ts';

describe('toAddress', () => {
  const viewer = 'alice@home.example';

  it('reads a bare username as a user of the viewer’s server, lower-case', () => {
    expect(toAddress(' Bob ', viewer)).toBe('bob@home.example');
  });

  it('lower-cases the server part, and the user part on the viewer’s own server', () => {
    expect(toAddress('Bob@Home.Example', viewer)).toBe('bob@home.example');
  });

  it('keeps the user part of another server’s user as written', () => {
    expect(toAddress('Yara@Seed.Example:8443', viewer)).toBe('Yara@seed.example:8443');
  });

  it.each(['', '  ', '@seed.example', 'yara@', 'a@b@c'])('refuses %j on the device', (input) => {
    expect(() => toAddress(input, viewer)).toThrow(LocalValidationError);
  });
});
