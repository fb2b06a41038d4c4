import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ServerKeyEntity } from './server-key.entity';
import { ServerKeysService } from './server-keys.service';

/** HMAC request signing primitives and this node's X25519 keys. */
@Module({
  imports: [TypeOrmModule.forFeature([ServerKeyEntity])],
  providers: [ServerKeysService],
  exports: [ServerKeysService],
})
export class SigningModule {}
