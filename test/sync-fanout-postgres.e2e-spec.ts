import { expectFanOutAcrossProcesses } from './support/fanout-scenario';

describe('live push when the node runs as several processes without Redis', () => {
  it('reaches a stream on another process through Postgres LISTEN/NOTIFY', async () => {
    await expectFanOutAcrossProcesses({ REDIS_URL: undefined }, 'postgres');
  });
});
