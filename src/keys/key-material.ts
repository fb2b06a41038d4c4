/** A device id as clients choose it: 1–64 characters of [A-Za-z0-9_-], unique among one user's devices. */
export const DEVICE_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
/** An Ed25519 public key. */
export const IDENTITY_KEY_BYTES = 32;
export const MAX_KEY_PACKAGE_BYTES = 4096;
export const MAX_KEY_PACKAGES_PER_REQUEST = 100;
/** Unclaimed single-use packages one device may hold: a client tops its supply up, it never needs more. */
export const MAX_UNCLAIMED_KEY_PACKAGES = 200;
export const MAX_DEVICES_PER_USER = 20;

export const KEY_CHANGE_REASONS = ['device-added', 'device-removed', 'identity-reset', 'keys-updated'] as const;
export type KeyChangeReason = (typeof KEY_CHANGE_REASONS)[number];

/** A change of a user's device or identity set, as the `keys` sync event and the key-change notice carry it. */
export interface KeyChange {
  address: string;
  reason: KeyChangeReason;
}

/**
 * The bytes of base64url text without padding, or null when `value` is anything else: padding, characters of another
 * alphabet, or trailing bits that would make a second spelling of the same bytes.
 */
export function fromBase64Url(value: unknown): Buffer | null {
  if (typeof value !== 'string') return null;
  const bytes = Buffer.from(value, 'base64url');
  return bytes.toString('base64url') === value ? bytes : null;
}

export function toBase64Url(bytes: Buffer): string {
  return bytes.toString('base64url');
}

/** Whether `value` is base64url without padding of `min` to `max` bytes. */
export function isBase64UrlOfSize(value: unknown, min: number, max: number): value is string {
  const bytes = fromBase64Url(value);
  return bytes !== null && bytes.length >= min && bytes.length <= max;
}
