import { ApiProperty } from '@nestjs/swagger';
import { DeviceKeyEntity } from './device-key.entity';
import { DirectoryDevice } from './key-directory-cache.entity';
import { toBase64Url } from './key-material';

export class PublishedKeysResponse {
  @ApiProperty() deviceId: string;
  @ApiProperty({ description: 'base64url' }) identityKey: string;
  @ApiProperty({ description: 'unclaimed single-use key packages this device holds now' })
  keyPackagesAvailable: number;
  @ApiProperty({ description: 'whether the device has a last-resort key package' }) lastResort: boolean;
}

export class DirectoryDeviceResponse implements DirectoryDevice {
  @ApiProperty() deviceId: string;
  @ApiProperty({ description: 'Ed25519 public key, base64url' }) identityKey: string;
  @ApiProperty({ format: 'date-time', description: 'when this identity key was published' }) updatedAt: string;
}

export class KeyDirectoryResponse {
  @ApiProperty() address: string;
  @ApiProperty({ type: [DirectoryDeviceResponse], description: 'sorted by deviceId' })
  devices: DirectoryDeviceResponse[];
}

export class ClaimedDeviceResponse {
  @ApiProperty() deviceId: string;
  @ApiProperty({ description: 'Ed25519 public key, base64url' }) identityKey: string;
  @ApiProperty({ description: 'an MLS key package, base64url; a single-use one is never handed out again' })
  keyPackage: string;
  @ApiProperty({ description: "true: the device's last-resort package (its single-use supply is empty)" })
  lastResort: boolean;
}

export class ClaimResponse {
  @ApiProperty() address: string;
  @ApiProperty({
    type: [ClaimedDeviceResponse],
    description: 'one package per device, sorted by deviceId; a device with nothing to hand out is left out',
  })
  devices: ClaimedDeviceResponse[];
}

export function toDirectoryDevice(device: DeviceKeyEntity): DirectoryDeviceResponse {
  return {
    deviceId: device.deviceId,
    identityKey: toBase64Url(device.identityKey),
    updatedAt: device.updatedAt.toISOString(),
  };
}

/** A claimed package as the claim statement answers it (KeysRepository.claim). */
export interface ClaimedRow {
  deviceId: string;
  identityKey: Buffer;
  keyPackage: Buffer;
  lastResort: boolean;
}

export function toClaimedDevice(row: ClaimedRow): ClaimedDeviceResponse {
  return {
    deviceId: row.deviceId,
    identityKey: toBase64Url(row.identityKey),
    keyPackage: toBase64Url(row.keyPackage),
    lastResort: row.lastResort,
  };
}
