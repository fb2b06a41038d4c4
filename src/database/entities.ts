import { UserEntity } from '../accounts/user.entity';
import { AccessTokenEntity } from '../auth/access-token.entity';

/** Every TypeORM entity of the node; the data source for migrations and the app module both read this list. */
export const ENTITIES = [UserEntity, AccessTokenEntity];
