import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class SyncQuery {
  @ApiPropertyOptional({ description: 'the `cursor` of the previous answer; omit to replay from the beginning' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  since?: string;

  @ApiPropertyOptional({ minimum: 1, maximum: 1000, default: 100 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(1000)
  limit?: number;
}

export class EventsQuery {
  @ApiPropertyOptional({ description: 'a sync cursor to start after (the `Last-Event-ID` header wins)' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  since?: string;

  @ApiPropertyOptional({ description: 'the access token, for browsers whose EventSource cannot send headers' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  access_token?: string;
}
