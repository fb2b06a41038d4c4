import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  buildMessage,
  IsArray,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  MinLength,
  ValidateBy,
  ValidationOptions,
} from 'class-validator';
import {
  DEVICE_ID_PATTERN,
  IDENTITY_KEY_BYTES,
  isBase64UrlOfSize,
  MAX_DEVICES_PER_USER,
  MAX_KEY_PACKAGE_BYTES,
} from '../key-material';

const ADDRESS_DOC = 'a username of this node or a full address `user@server`';

/** base64url without padding of `min`–`max` bytes, with a message that says which. */
function Base64UrlBytes(min: number, max: number, options?: ValidationOptions): PropertyDecorator {
  const size = min === max ? `${min} bytes` : `${min}-${max} bytes`;
  return ValidateBy(
    {
      name: 'base64UrlBytes',
      validator: {
        validate: (value: unknown) => isBase64UrlOfSize(value, min, max),
        defaultMessage: buildMessage(
          (eachPrefix) => `${eachPrefix}$property must be base64url without padding that decodes to ${size}`,
          options,
        ),
      },
    },
    options,
  );
}

const DEVICE_ID_MESSAGE = '$property must be 1-64 characters of A-Z, a-z, 0-9, _ and -';

export const DeviceIdField = () =>
  applyDecorators(
    ApiProperty({ pattern: DEVICE_ID_PATTERN.source, description: 'chosen by the client, unique among your devices' }),
    IsString(),
    Matches(DEVICE_ID_PATTERN, { message: DEVICE_ID_MESSAGE }),
  );

/** Some of the owner's devices; all of them when left out. */
export const DeviceIdsField = () =>
  applyDecorators(
    ApiPropertyOptional({
      type: [String],
      maxItems: MAX_DEVICES_PER_USER,
      description: 'only these devices (all when left out)',
    }),
    IsOptional(),
    IsArray(),
    ArrayMaxSize(MAX_DEVICES_PER_USER, { message: `$property may name at most ${MAX_DEVICES_PER_USER} devices` }),
    IsString({ each: true }),
    Matches(DEVICE_ID_PATTERN, { each: true, message: `each value in ${DEVICE_ID_MESSAGE}` }),
  );

export const IdentityKeyField = () =>
  applyDecorators(
    ApiProperty({ description: `Ed25519 public key, base64url without padding (${IDENTITY_KEY_BYTES} bytes)` }),
    Base64UrlBytes(IDENTITY_KEY_BYTES, IDENTITY_KEY_BYTES),
  );

export const KeyPackageField = (options?: ValidationOptions) => Base64UrlBytes(1, MAX_KEY_PACKAGE_BYTES, options);

/** An address in a request: a user of this node or of another server. */
export const AddressField = (description = ADDRESS_DOC) =>
  applyDecorators(ApiProperty({ description, example: 'bob@b.example' }), IsString(), MinLength(1), MaxLength(320));
