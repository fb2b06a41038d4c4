import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

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
