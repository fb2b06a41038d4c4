import { BadGatewayException } from '@nestjs/common';
import { serverOf } from '../common/address';
import { DirectoryDevice } from './key-directory-cache.entity';
import {
  DEVICE_ID_PATTERN,
  IDENTITY_KEY_BYTES,
  isBase64UrlOfSize,
  MAX_DEVICES_PER_USER,
  MAX_KEY_PACKAGE_BYTES,
} from './key-material';
import { ClaimedDeviceResponse } from './keys.responses';

type Fields = Record<string, unknown>;

function unusable(address: string, why: string): BadGatewayException {
  return new BadGatewayException(`${serverOf(address)} answered for ${address} with keys this node cannot use: ${why}`);
}

/**
 * Another server's answer is held to the rules of our own directory before a client sees it: a client binds its MLS
 * members to these keys, so a malformed or misaddressed answer is refused whole (502) rather than passed on.
 */
function devicesOf(answer: unknown, address: string): Fields[] {
  const body = answer as { address?: unknown; devices?: unknown } | null;
  const refuse = (why: string) => unusable(address, why);
  if (typeof body !== 'object' || body === null || body.address !== address) throw refuse('another address');
  const { devices } = body;
  if (!Array.isArray(devices) || devices.length > MAX_DEVICES_PER_USER) throw refuse('no list of devices');
  const seen = new Set<string>();
  for (const device of devices as Fields[]) {
    const deviceId = device?.deviceId;
    if (typeof deviceId !== 'string' || !DEVICE_ID_PATTERN.test(deviceId) || seen.has(deviceId)) {
      throw refuse('a device id that is missing, malformed or repeated');
    }
    seen.add(deviceId);
    if (!isBase64UrlOfSize(device.identityKey, IDENTITY_KEY_BYTES, IDENTITY_KEY_BYTES)) {
      throw refuse(`the identity key of device ${deviceId} is not ${IDENTITY_KEY_BYTES} bytes of base64url`);
    }
  }
  return [...(devices as Fields[])].sort((a, b) => String(a.deviceId).localeCompare(String(b.deviceId)));
}

export function readPeerDirectory(answer: unknown, address: string): DirectoryDevice[] {
  const devices = devicesOf(answer, address);
  for (const device of devices) {
    if (typeof device.updatedAt !== 'string' || Number.isNaN(Date.parse(device.updatedAt))) {
      throw unusable(address, `device ${String(device.deviceId)} has no updatedAt time`);
    }
  }
  return devices.map((device) => ({
    deviceId: device.deviceId as string,
    identityKey: device.identityKey as string,
    updatedAt: new Date(device.updatedAt as string).toISOString(),
  }));
}

export function readPeerClaim(answer: unknown, address: string): ClaimedDeviceResponse[] {
  const devices = devicesOf(answer, address);
  for (const device of devices) {
    if (!isBase64UrlOfSize(device.keyPackage, 1, MAX_KEY_PACKAGE_BYTES) || typeof device.lastResort !== 'boolean') {
      throw unusable(address, `device ${String(device.deviceId)} has no key package of base64url`);
    }
  }
  return devices.map((device) => ({
    deviceId: device.deviceId as string,
    identityKey: device.identityKey as string,
    keyPackage: device.keyPackage as string,
    lastResort: device.lastResort as boolean,
  }));
}
