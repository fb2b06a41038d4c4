import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { getDataSourceToken, TypeOrmModule } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AccountsModule } from '../accounts/accounts.module';
import { PostgresRateLimitStore, RateLimitStore, RedisRateLimitStore } from '../common/rate-limit-store';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { queueBackendKind } from '../queue/queue-backend';
import { AccessTokenEntity } from './access-token.entity';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { LoginThrottle } from './login-throttle';

@Module({
  imports: [AccountsModule, TypeOrmModule.forFeature([AccessTokenEntity])],
  controllers: [AuthController],
  providers: [
    AuthService,
    LoginThrottle,
    {
      provide: RateLimitStore,
      inject: [APP_CONFIG, getDataSourceToken()],
      // The counters live where the queue does: every process of the node sees the same counts.
      useFactory: (config: AppConfig, dataSource: DataSource) =>
        queueBackendKind(config) === 'redis'
          ? new RedisRateLimitStore(config.redisUrl!, config.queuePrefix)
          : new PostgresRateLimitStore(dataSource),
    },
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AuthService, RateLimitStore],
})
export class AuthModule {}
