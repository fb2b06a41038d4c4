import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  hkdfSync,
  KeyObject,
} from 'node:crypto';

const DERIVATION_LABEL = 'mylife-federation hmac-sha256 v1';

export interface ServerKeyPair {
  /** PKCS#8 DER. */
  privateKey: Buffer;
  /** Raw 32-byte X25519 public key, base64url. */
  publicKey: string;
}

export function generateServerKeyPair(): ServerKeyPair {
  const { privateKey, publicKey } = generateKeyPairSync('x25519');
  return {
    privateKey: privateKey.export({ format: 'der', type: 'pkcs8' }),
    publicKey: publicKey.export({ format: 'jwk' }).x!,
  };
}

export function isX25519PublicKey(value: unknown): value is string {
  return typeof value === 'string' && /^[A-Za-z0-9_-]{43}$/.test(value);
}

function publicKeyObject(publicKey: string): KeyObject {
  return createPublicKey({ key: { kty: 'OKP', crv: 'X25519', x: publicKey }, format: 'jwk' });
}

export interface KeyedServer {
  server: string;
  keyId: string;
}

/**
 * The HMAC secret of a pair of servers: HKDF-SHA256 over their X25519 agreement, labelled and bound to both server
 * names and key ids (sorted, so both sides derive the same bytes). No secret ever crosses the network.
 */
export function derivePairSecret(
  own: KeyedServer & { privateKey: Buffer },
  peer: KeyedServer & { publicKey: string },
): Buffer {
  const shared = diffieHellman({
    privateKey: createPrivateKey({ key: own.privateKey, format: 'der', type: 'pkcs8' }),
    publicKey: publicKeyObject(peer.publicKey),
  });
  const parties = [own, peer].map(({ server, keyId }) => `${server}#${keyId}`).sort();
  const info = Buffer.from([DERIVATION_LABEL, ...parties].join('\n'));
  return Buffer.from(hkdfSync('sha256', shared, Buffer.from(DERIVATION_LABEL), info, 32));
}
