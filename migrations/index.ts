import { Foundation1764216000000 } from './1764216000000-Foundation';

/** Every migration, oldest first. Listed by hand so that the same list works from TypeScript (tests) and from dist/. */
export const MIGRATIONS = [Foundation1764216000000];
