import {
  BadRequestException,
  Controller,
  Get,
  HttpCode,
  Inject,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
} from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';

import { IsIn, IsOptional, Matches } from 'class-validator';
import { AdminOnly } from '../auth/auth.decorators';
import { SERVER_NAME_PATTERN } from '../common/address';
import { decodeCursor, encodeCursor } from '../common/cursor';
import { OUTBOX_KINDS, OUTBOX_STATUSES, OutboxEntity, OutboxStatus } from '../federation/outbox.entity';
import { OutboxPosition } from '../federation/outbox.repository';
import { OutboxService } from '../federation/outbox.service';
import { UUID_PATTERN } from '../common/ids';
import { CursorField, LimitField } from '../common/request-fields';

class OutboxQuery {
  @ApiPropertyOptional({ enum: OUTBOX_STATUSES })
  @IsOptional()
  @IsIn(OUTBOX_STATUSES)
  status?: OutboxStatus;

  @ApiPropertyOptional({ description: 'only rows to this server' })
  @IsOptional()
  @Matches(SERVER_NAME_PATTERN, { message: 'server must be a server name (host[:port], lower-case)' })
  server?: string;

  @CursorField()
  cursor?: string;

  @LimitField(50)
  limit?: number;
}

class OutboxRowResponse {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ enum: OUTBOX_KINDS }) kind: string;
  @ApiPropertyOptional({ format: 'uuid', nullable: true, type: String }) messageId: string | null;
  @ApiProperty() recipientServer: string;
  @ApiProperty({ enum: OUTBOX_STATUSES }) status: OutboxStatus;
  @ApiProperty() attempts: number;
  @ApiProperty({
    format: 'date-time',
    description:
      'pending rows: when they are tried next (their hold, or their destination’s backoff; a time past means as soon as the destination’s job runs); other rows: as last recorded',
  })
  nextAttemptAt: string;
  @ApiPropertyOptional({ nullable: true, type: String }) lastError: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number }) lastHttpStatus: number | null;
  @ApiProperty({ format: 'date-time' }) createdAt: string;
  @ApiProperty({ format: 'date-time' }) updatedAt: string;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) sentAt: string | null;
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) ackedAt: string | null;
}

class OutboxListResponse {
  @ApiProperty({ type: [OutboxRowResponse] }) items: OutboxRowResponse[];
  @ApiProperty({ nullable: true, type: String }) nextCursor: string | null;
}

function toOutboxRowResponse(row: OutboxEntity): OutboxRowResponse {
  return {
    id: row.id,
    kind: row.kind,
    messageId: row.messageId,
    recipientServer: row.recipientServer,
    status: row.status,
    attempts: row.attempts,
    nextAttemptAt: row.nextAttemptAt.toISOString(),
    lastError: row.lastError,
    lastHttpStatus: row.lastHttpStatus,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    sentAt: row.sentAt?.toISOString() ?? null,
    ackedAt: row.ackedAt?.toISOString() ?? null,
  };
}

// A timestamp as Postgres writes it (microseconds, offset), or as ISO 8601 (the cursors of earlier versions). Postgres
// itself would also read words ('yesterday', 'epoch'); OutboxService.list refuses a date that only looks like one.
const CURSOR_TIME = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}(:?\d{2})?)$/;

function outboxPosition(cursor: string): OutboxPosition {
  const [createdAt, id] = decodeCursor(cursor, ['string', 'string']);
  if (!CURSOR_TIME.test(createdAt) || !UUID_PATTERN.test(id)) {
    throw new BadRequestException('cursor is not a cursor this server issued');
  }
  return { createdAt, id };
}

@ApiTags('admin')
@ApiBearerAuth()
@AdminOnly()
@Controller('api/admin/federation')
export class FederationAdminController {
  constructor(@Inject(OutboxService) private readonly outbox: OutboxService) {}

  @Get('outbox')
  @ApiOkResponse({ type: OutboxListResponse, description: 'deliveries to other servers, newest first' })
  async listOutbox(@Query() query: OutboxQuery): Promise<OutboxListResponse> {
    const limit = query.limit ?? 50;
    const page = await this.outbox.list(
      { status: query.status, server: query.server },
      query.cursor ? outboxPosition(query.cursor) : null,
      limit,
    );
    return {
      items: page.items.map(toOutboxRowResponse),
      nextCursor: page.next ? encodeCursor([page.next.createdAt, page.next.id]) : null,
    };
  }

  @Post('outbox/:id/retry')
  @HttpCode(200)
  @ApiOkResponse({
    type: OutboxRowResponse,
    description: 'the failed row, pending again with fresh attempts; 409 unless it failed',
  })
  async retry(@Param('id', new ParseUUIDPipe({ version: undefined })) id: string): Promise<OutboxRowResponse> {
    return toOutboxRowResponse(await this.outbox.retry(id));
  }

  @Get('destinations')
  @ApiOkResponse({ description: 'one row per peer server: health, backoff, capabilities, pending deliveries' })
  async listDestinations() {
    return { items: await this.outbox.destinations() };
  }
}
