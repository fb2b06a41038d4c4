import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthIndicatorResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { Response } from 'express';
import { Public } from '../auth/auth.decorators';
import { Clock } from '../common/clock';
import { QueueHealthIndicator } from './queue.health';

const CHECK_TIMEOUT_MS = 2000;

type ServiceState = 'ok' | 'error';

class HealthServicesResponse {
  @ApiProperty({ enum: ['ok', 'error'] }) db: ServiceState;
  @ApiProperty({ enum: ['ok', 'error'] }) queue: ServiceState;
}

export class HealthResponse {
  @ApiProperty({ enum: ['ok', 'degraded'] }) status: 'ok' | 'degraded';
  @ApiProperty({ format: 'date-time' }) timestamp: string;
  @ApiProperty({ type: HealthServicesResponse }) services: HealthServicesResponse;
}

const stateOf = (result: HealthIndicatorResult): ServiceState =>
  Object.values(result)[0]?.status === 'up' ? 'ok' : 'error';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(
    @Inject(TypeOrmHealthIndicator) private readonly db: TypeOrmHealthIndicator,
    @Inject(QueueHealthIndicator) private readonly queue: QueueHealthIndicator,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  @Public()
  @Get()
  @ApiOkResponse({ type: HealthResponse })
  @ApiServiceUnavailableResponse({ type: HealthResponse, description: 'Postgres or the queue is unreachable' })
  async check(@Res({ passthrough: true }) response: Response): Promise<HealthResponse> {
    const [db, queue] = await Promise.all([
      this.db.pingCheck('db').withTimeout(CHECK_TIMEOUT_MS),
      this.queue.pingCheck('queue').withTimeout(CHECK_TIMEOUT_MS),
    ]);
    const services = { db: stateOf(db), queue: stateOf(queue) };
    const healthy = services.db === 'ok' && services.queue === 'ok';
    response.status(healthy ? 200 : 503);
    return { status: healthy ? 'ok' : 'degraded', timestamp: this.clock.now().toISOString(), services };
  }
}
