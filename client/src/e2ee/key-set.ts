/** A device as the key directory lists it (`GET /api/keys/{address}`); `identityKey` is base64url. */
export interface DirectoryDevice {
  deviceId: string;
  identityKey: string;
  updatedAt: string;
}

/**
 * A person's keys in one comparable string: the sorted `deviceId:identityKey` pairs. Any device added, removed or
 * given a new identity changes it: that is a key change.
 */
export function keySetOf(devices: readonly Pick<DirectoryDevice, 'deviceId' | 'identityKey'>[]): string {
  return devices
    .map((device) => `${device.deviceId}:${device.identityKey}`)
    .sort()
    .join(',');
}

export const NO_KEYS = '';

/**
 * The key set a person has accepted for a friend after a fresh look-up. The first look-up is trusted as it is, and so
 * are the first keys of a friend who had none (encryption starts; nothing that was protected is weakened). Any other
 * difference is a key change, which stays until the person acknowledges it.
 */
export function keyChangeAfterLookup(
  acknowledged: string | null,
  current: string,
): { acknowledged: string; keyChanged: boolean } {
  if (acknowledged === null || acknowledged === NO_KEYS) return { acknowledged: current, keyChanged: false };
  return { acknowledged, keyChanged: acknowledged !== current };
}
