import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountsService } from './accounts.service';
import { PasswordHasher } from './password-hasher';
import { UserEntity } from './user.entity';

@Module({
  imports: [TypeOrmModule.forFeature([UserEntity])],
  providers: [AccountsService, PasswordHasher],
  exports: [AccountsService],
})
export class AccountsModule {}
