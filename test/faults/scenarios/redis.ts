import { burstUnderFault, withPair } from '../harness/burst';
import { progress, Scenario, sleep } from '../harness/context';
import { deleteKeysWithPrefix, OwnRedis, ownRedis } from '../../support/services';

/** Both nodes on a Redis of the scenario's own (each under its own prefix), stopped when the scenario ends. */
async function withRedisOfItsOwn<T>(body: (redis: OwnRedis, onIt: { redisUrl: string }) => Promise<T>): Promise<T> {
  const redis = await ownRedis();
  if (!redis) throw new Error('redis-server is not installed: the Redis scenarios need a Redis of their own');
  try {
    return await body(redis, { redisUrl: redis.url });
  } finally {
    redis.stop();
  }
}

/** How long Redis stays down: a restart, as a container's would be. */
const REDIS_DOWN_MS = 2000;

/**
 * Redis is killed a third into the burst and started again 2 s later, empty (no persistence): every job, lock and
 * delayed retry is gone, only the outbox in PostgreSQL remains.
 */
export const redisRestart: Scenario = {
  name: 'redis-restart',
  inShortRun: true,
  run: (context) =>
    withRedisOfItsOwn((redis, onIt) =>
      withPair(context, 'redis-restart', { a: onIt, b: onIt }, (pair) =>
        burstUnderFault(context, pair, async (traffic) => {
          await traffic.reached(0.3, context.messages);
          progress('redis-restart', 'Redis killed');
          redis.stop();
          await sleep(REDIS_DOWN_MS);
          await redis.start();
          progress('redis-restart', 'Redis started again, empty');
        }),
      ),
    ),
};

/** Redis keeps running, but the keys of A's queue prefix are deleted a third into the burst, and B's at two thirds. */
export const redisKeysDeleted: Scenario = {
  name: 'redis-keys-deleted',
  inShortRun: false,
  run: (context) =>
    withRedisOfItsOwn((redis, onIt) =>
      withPair(context, 'redis-keys-deleted', { a: onIt, b: onIt }, (pair) =>
        burstUnderFault(context, pair, async (traffic) => {
          for (const [fraction, node] of [
            [0.3, pair.nodeA],
            [0.66, pair.nodeB],
          ] as const) {
            await traffic.reached(fraction, context.messages);
            await deleteKeysWithPrefix(redis.url, node.env.MYLIFE_QUEUE_PREFIX);
            progress('redis-keys-deleted', `deleted the keys ${node.env.MYLIFE_QUEUE_PREFIX}:*`);
          }
        }),
      ),
    ),
};
