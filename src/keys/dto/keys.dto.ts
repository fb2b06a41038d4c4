import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsOptional } from 'class-validator';
import { MAX_KEY_PACKAGE_BYTES, MAX_KEY_PACKAGES_PER_REQUEST } from '../key-material';
import { AddressField, DeviceIdField, DeviceIdsField, IdentityKeyField, KeyPackageField } from './key-fields';

const KEY_PACKAGE_DOC = `an MLS key package, base64url without padding (at most ${MAX_KEY_PACKAGE_BYTES} bytes)`;

export class PublishKeysDto {
  @DeviceIdField()
  deviceId: string;

  @IdentityKeyField()
  identityKey: string;

  @ApiProperty({
    type: [String],
    maxItems: MAX_KEY_PACKAGES_PER_REQUEST,
    description: `single-use key packages added to the supply: ${KEY_PACKAGE_DOC}`,
  })
  @IsArray()
  @ArrayMaxSize(MAX_KEY_PACKAGES_PER_REQUEST, {
    message: `keyPackages may hold at most ${MAX_KEY_PACKAGES_PER_REQUEST} key packages per request`,
  })
  @KeyPackageField({ each: true })
  keyPackages: string[];

  @ApiPropertyOptional({ description: `replaces the device's last-resort package: ${KEY_PACKAGE_DOC}` })
  @IsOptional()
  @KeyPackageField()
  lastResortKeyPackage?: string;
}

export class ClaimKeysDto {
  @AddressField('whose key packages: yourself, or a friend (`user` or `user@server`)')
  address: string;

  @DeviceIdsField()
  deviceIds?: string[];
}
