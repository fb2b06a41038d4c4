import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountsModule } from '../accounts/accounts.module';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AccessTokenEntity } from './access-token.entity';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';

const LOGIN_WINDOW_MS = 15 * 60 * 1000;

@Module({
  imports: [
    AccountsModule,
    TypeOrmModule.forFeature([AccessTokenEntity]),
    // Only the login route uses the ThrottlerGuard: attempts are counted per client address and username.
    ThrottlerModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig) => ({
        throttlers: [{ name: 'default', ttl: LOGIN_WINDOW_MS, limit: config.loginMaxFailures }],
        getTracker: (req: Record<string, any>) =>
          `${req.ip}|${String(req.body?.username ?? req.body?.email ?? '').toLowerCase()}`,
        errorMessage: 'too many login attempts; wait a few minutes and try again',
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [AuthService, { provide: APP_GUARD, useClass: AuthGuard }],
  exports: [AuthService],
})
export class AuthModule {}
