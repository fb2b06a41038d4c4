import { derivePairSecret, generateServerKeyPair, isX25519PublicKey } from './key-agreement';
import { signatureMatches, signBody } from './hmac';

describe('HMAC request signatures', () => {
  const timestamp = '2026-11-27T10:00:00.000Z';
  const body = Buffer.from('{"content":"hi"}');

  it('sign `${timestamp}.${rawBody}` as lower-case hex, matching a known vector', () => {
    // printf '%s' '2026-11-27T10:00:00.000Z.{"content":"hi"}' | openssl dgst -sha256 -hmac secret-secret-secret
    expect(signBody('secret-secret-secret', timestamp, body)).toBe(
      '13e53250732a60745ce6eba077904217d5a395adccf856bf91d69b4366d21576',
    );
  });

  it('sign a body given as the chunks it arrived in like the whole body', () => {
    const chunks = [body.subarray(0, 5), body.subarray(5)];
    expect(signBody('secret-secret-secret', timestamp, chunks)).toBe(signBody('secret-secret-secret', timestamp, body));
  });

  it('match only the same secret, timestamp and bytes', () => {
    const signature = signBody('secret-secret-secret', timestamp, body);
    expect(signatureMatches('secret-secret-secret', timestamp, body, signature)).toBe(true);
    expect(signatureMatches('other-secret-secret', timestamp, body, signature)).toBe(false);
    expect(signatureMatches('secret-secret-secret', '2026-11-27T10:00:01.000Z', body, signature)).toBe(false);
    expect(signatureMatches('secret-secret-secret', timestamp, Buffer.from('{"content":"hI"}'), signature)).toBe(false);
    expect(signatureMatches('secret-secret-secret', timestamp, body, signature.toUpperCase())).toBe(false);
    expect(signatureMatches('secret-secret-secret', timestamp, body, 'abc')).toBe(false);
  });
});

describe('derived pair secrets', () => {
  const a = { server: 'a.example', keyId: 'ka', ...generateServerKeyPair() };
  const b = { server: 'b.example:8443', keyId: 'kb', ...generateServerKeyPair() };

  it('are the same on both sides and 32 bytes long', () => {
    const fromA = derivePairSecret(a, b);
    const fromB = derivePairSecret(b, a);
    expect(fromA.equals(fromB)).toBe(true);
    expect(fromA).toHaveLength(32);
    expect(isX25519PublicKey(a.publicKey)).toBe(true);
  });

  it('are bound to the server names and key ids', () => {
    const secret = derivePairSecret(a, b);
    expect(derivePairSecret(a, { ...b, server: 'evil.example' }).equals(secret)).toBe(false);
    expect(derivePairSecret(a, { ...b, keyId: 'kb2' }).equals(secret)).toBe(false);
    const c = { server: 'c.example', keyId: 'kc', ...generateServerKeyPair() };
    expect(derivePairSecret(a, c).equals(secret)).toBe(false);
  });
});
