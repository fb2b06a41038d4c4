import { Foundation1764216000000 } from './1764216000000-Foundation';
import { FriendsMessagesSync1764220000000 } from './1764220000000-FriendsMessagesSync';

/** Every migration, oldest first. Listed by hand so that the same list works from TypeScript (tests) and from dist/. */
export const MIGRATIONS = [Foundation1764216000000, FriendsMessagesSync1764220000000];
