import { testServices } from './support/services';
import { expectFanOutAcrossProcesses } from './support/fanout-scenario';

describe('live push when the node runs as several processes', () => {
  it('reaches a stream on another process (Redis pub/sub when the suite has Redis)', async () => {
    await expectFanOutAcrossProcesses({}, testServices.redisUrl ? 'redis' : 'postgres');
  });
});
