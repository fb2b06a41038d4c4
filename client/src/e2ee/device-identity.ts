import { ed25519 } from '@noble/curves/ed25519.js';
import { randomBytes } from '@noble/hashes/utils.js';
import { defaultCapabilities, defaultLifetime, encodeMlsMessage, generateKeyPackageWithKey } from 'ts-mls';
import { makeKeyPackageRef } from 'ts-mls/keyPackage.js';
import type { StoredKeyPackage } from '../store/device-key-store.ts';
import { toBase64Url } from './base64url.ts';
import { credentialOf, type DeviceAddress } from './credential.ts';
import { cipherSuite } from './mls-suite.ts';

export interface IdentityKeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

/** A device id of 128 random bits: unique per user without asking the server. */
export function newDeviceId(): string {
  return toBase64Url(randomBytes(16));
}

/** An Ed25519 key pair (the device's identity and its MLS signature key). */
export function newIdentityKeyPair(): IdentityKeyPair {
  const { secretKey, publicKey } = ed25519.keygen();
  return { secretKey, publicKey };
}

/** Key packages of this device, signed with its identity key; each with the private keys that open its Welcome. */
export async function generateKeyPackages(
  device: DeviceAddress,
  identity: IdentityKeyPair,
  count: number,
  options: { lastResort?: boolean } = {},
): Promise<StoredKeyPackage[]> {
  const suite = await cipherSuite();
  const packages: StoredKeyPackage[] = [];
  for (let index = 0; index < count; index++) {
    const generated = await generateKeyPackageWithKey(
      credentialOf(device),
      defaultCapabilities(),
      defaultLifetime,
      [],
      { signKey: identity.secretKey, publicKey: identity.publicKey },
      suite,
    );
    packages.push({
      ref: toBase64Url(await makeKeyPackageRef(generated.publicPackage, suite.hash)),
      keyPackage: encodeMlsMessage({
        version: 'mls10',
        wireformat: 'mls_key_package',
        keyPackage: generated.publicPackage,
      }),
      initPrivateKey: generated.privatePackage.initPrivateKey,
      hpkePrivateKey: generated.privatePackage.hpkePrivateKey,
      lastResort: options.lastResort ?? false,
    });
  }
  return packages;
}
