import { ApiPropertyOptional } from '@nestjs/swagger';

import { IsOptional, IsString, MaxLength } from 'class-validator';
import { LimitField } from '../../common/request-fields';

export class SyncQuery {
  @ApiPropertyOptional({ description: 'the `cursor` of the previous answer; omit to replay from the beginning' })
  @IsOptional()
  @IsString()
  @MaxLength(200)
  since?: string;

  @LimitField(100, 1000)
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
