import { Controller, Get, Headers, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProduces, ApiProperty, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AllowQueryToken, CurrentUser } from '../auth/auth.decorators';
import { AuthenticatedUser } from '../auth/authenticated-user';
import { SYNC_EVENT_TYPES } from './sync-event.entity';
import { EventsQuery, SyncQuery } from './dto/sync.dto';
import { SyncStream } from './sync-stream';
import { SyncService } from './sync.service';

class SyncEventDoc {
  @ApiProperty() cursor: string;
  @ApiProperty({ enum: SYNC_EVENT_TYPES }) type: string;
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description:
      'the message, invite, friendship (an accepted one with the friend’s `displayName`: null for another server’s user), receipt, or key change (`keys`: `{address, reason}`)',
  })
  data: Record<string, unknown>;
}

class SyncResponseDoc {
  @ApiProperty({ type: [SyncEventDoc] }) events: SyncEventDoc[];
  @ApiProperty({ description: 'pass as `since` next time' }) cursor: string;
  @ApiProperty() hasMore: boolean;
}

@ApiTags('sync')
@ApiBearerAuth()
@Controller('api')
export class SyncController {
  constructor(
    @Inject(SyncService) private readonly sync: SyncService,
    @Inject(SyncStream) private readonly stream: SyncStream,
  ) {}

  @Get('sync')
  @ApiOkResponse({
    type: SyncResponseDoc,
    description: 'everything that changed for the user since the cursor, in order',
  })
  changes(@CurrentUser() user: AuthenticatedUser, @Query() query: SyncQuery) {
    return this.sync.page(user.address, this.sync.parseCursor(query.since), query.limit ?? 100);
  }

  @Get('events')
  @AllowQueryToken()
  @ApiProduces('text/event-stream')
  @ApiQuery({ name: 'access_token', required: false })
  @ApiOkResponse({
    description: 'Server-Sent Events: `id` is the sync cursor, `event` the type, `data` the JSON payload',
  })
  events(
    @CurrentUser() user: AuthenticatedUser,
    @Query() query: EventsQuery,
    @Headers('last-event-id') lastEventId: string | undefined,
    @Req() request: Request,
    @Res() response: Response,
  ): void {
    if (lastEventId) this.stream.open(user, lastEventId, 'Last-Event-ID', request, response);
    else this.stream.open(user, query.since, 'since', request, response);
  }
}
