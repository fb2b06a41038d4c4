import type { Credential } from 'ts-mls';

/** A device of a person: the MLS credential's identity is `"<address>/<deviceId>"`. */
export interface DeviceAddress {
  address: string;
  deviceId: string;
}

/** What the server accepts as a device id: the credential splits at the last `/`, which a device id never holds. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export function credentialOf(device: DeviceAddress): Credential {
  return { credentialType: 'basic', identity: new TextEncoder().encode(`${device.address}/${device.deviceId}`) };
}

export function deviceOfCredential(credential: Credential): DeviceAddress | undefined {
  if (credential.credentialType !== 'basic') return undefined;
  const identity = new TextDecoder().decode(credential.identity);
  const slash = identity.lastIndexOf('/');
  const address = identity.slice(0, slash);
  const deviceId = identity.slice(slash + 1);
  return slash > 0 && DEVICE_ID_PATTERN.test(deviceId) ? { address, deviceId } : undefined;
}

export function sameDevice(a: DeviceAddress, b: DeviceAddress): boolean {
  return a.address === b.address && a.deviceId === b.deviceId;
}
