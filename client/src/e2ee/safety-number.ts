import { sha512 } from '@noble/hashes/sha2.js';
import { bytesToHex, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';

/** As Signal's: slows a search for another key set with the same digits (synchronous SHA-512: DESIGN.md). */
export const FINGERPRINT_ITERATIONS = 5200;
const FINGERPRINT_VERSION = new Uint8Array([0, 0]);
const DIGIT_CHUNKS = 6;
const CHUNK_BYTES = 5;
const QR_FINGERPRINT_BYTES = 32;

/** One person's half of a safety number: over the address and the sorted set of their devices' identity keys. */
export interface UserFingerprint {
  address: string;
  /** 30 digits. */
  digits: string;
  /** The first 32 bytes of the hash, in hex: what the QR code carries. */
  hex: string;
}

export function userFingerprint(address: string, identityKeys: readonly Uint8Array[]): UserFingerprint {
  const keys = concatBytes(...[...identityKeys].sort(compareBytes));
  let hash = sha512(concatBytes(FINGERPRINT_VERSION, keys, utf8ToBytes(address)));
  for (let round = 0; round < FINGERPRINT_ITERATIONS; round++) hash = sha512(concatBytes(hash, keys));
  return { address, digits: digitsOf(hash), hex: bytesToHex(hash.subarray(0, QR_FINGERPRINT_BYTES)) };
}

/** The same on both sides: the lower address's half first; 60 digits in 12 groups of 5. */
export function safetyNumberOf(a: UserFingerprint, b: UserFingerprint): { digits: string; qrPayload: string } {
  const [first, second] = a.address < b.address ? [a, b] : [b, a];
  return {
    digits: (first.digits + second.digits).match(/\d{5}/g)!.join(' '),
    qrPayload: `mylife-safety:1:${first.address}:${first.hex}:${second.address}:${second.hex}`,
  };
}

/** A device's identity key as people compare it: hex in groups of four. */
export function deviceFingerprint(identityKey: Uint8Array): string {
  return bytesToHex(identityKey)
    .match(/.{1,4}/g)!
    .join(' ');
}

/** Each 5-byte chunk as a big-endian number, modulo 100000: 5 digits, 6 chunks. */
function digitsOf(hash: Uint8Array): string {
  let digits = '';
  for (let chunk = 0; chunk < DIGIT_CHUNKS; chunk++) {
    let value = 0;
    for (const byte of hash.subarray(chunk * CHUNK_BYTES, (chunk + 1) * CHUNK_BYTES)) value = value * 256 + byte;
    digits += String(value % 100000).padStart(5, '0');
  }
  return digits;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    if (a[index] !== b[index]) return a[index]! - b[index]!;
  }
  return a.length - b.length;
}
