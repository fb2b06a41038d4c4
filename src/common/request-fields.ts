import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  buildMessage,
  IsInt,
  isISO8601,
  IsObject,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  ValidateBy,
  ValidateNested,
} from 'class-validator';

/** Contract fields kept so that existing clients validate; authentication is by bearer token only. */
export class ContractActorFields {
  @ApiPropertyOptional({ deprecated: true, description: 'ignored: the bearer token authenticates' })
  @IsOptional()
  @IsString()
  @MaxLength(4096)
  actorToken?: string;
}

/** A contract field naming the acting user (`fromUserId`, `viewerUserId`, …): optional, and it must be that user. */
export const ActingUserField = () =>
  applyDecorators(
    ApiPropertyOptional({ description: 'must be the acting user when given' }),
    IsOptional(),
    IsString(),
    MaxLength(320),
  );

/** The opaque cursor of a paginated list. */
export const CursorField = () =>
  applyDecorators(
    ApiPropertyOptional({ description: 'the `nextCursor` of the previous page' }),
    IsOptional(),
    IsString(),
    MaxLength(400),
  );

/** A page size from the query string. */
export const LimitField = (defaultLimit: number, max = 200, description?: string) =>
  applyDecorators(
    ApiPropertyOptional({ minimum: 1, maximum: max, default: defaultLimit, description }),
    IsOptional(),
    Type(() => Number),
    IsInt(),
    Min(1),
    Max(max),
  );

/**
 * An ISO 8601 time that JavaScript's Date reads as well. class-validator's own check lets through forms that Date
 * cannot read (`+2026-01-01T00:00:00Z`, `-4714-01-01T00:00:00Z`, `2026-W01`, `20260101T000000Z`): they reached the
 * database as an invalid date, a 500.
 */
export const IsTimestamp = () =>
  ValidateBy({
    name: 'isTimestamp',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && isISO8601(value, { strict: true }) && !Number.isNaN(Date.parse(value)),
      defaultMessage: buildMessage((eachPrefix) => `${eachPrefix}$property must be a valid ISO 8601 date string`),
    },
  });

/**
 * Items that must each be an object of `type`, validated as one. ValidateNested alone takes an array as an item for
 * more nested objects, so `[[]]` reached the services: a 500 for a batch of messages, nothing applied (200) for
 * receipts.
 */
export const NestedObjects = (type: () => new () => object) =>
  applyDecorators(IsObject({ each: true }), ValidateNested({ each: true }), Type(type));
