import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { AddressField, DeviceIdsField } from '../../keys/dto/key-fields';
import { KEY_CHANGE_REASONS, KeyChangeReason } from '../../keys/key-material';

export class PeerKeysQueryDto {
  @AddressField('the user of the signing server who asks')
  requester: string;

  @AddressField('whose keys: a user of the receiving server')
  address: string;
}

export class PeerKeysClaimDto extends PeerKeysQueryDto {
  @DeviceIdsField()
  deviceIds?: string[];
}

export class KeyChangeNoticeDto {
  @AddressField('the user of the signing server whose devices or identity keys changed')
  address: string;

  @ApiProperty({ enum: KEY_CHANGE_REASONS })
  @IsIn(KEY_CHANGE_REASONS, { message: `reason must be one of ${KEY_CHANGE_REASONS.join(', ')}` })
  reason: KeyChangeReason;
}
