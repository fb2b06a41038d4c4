import { EventEmitter } from 'node:events';
import { PassThrough } from 'node:stream';
import { untilReady } from './embedded-postgres';

/** Postgres as `untilReady` sees it: a process that logs on stderr and may exit. */
function fakeServer() {
  return Object.assign(new EventEmitter(), { stderr: new PassThrough() });
}

describe('untilReady', () => {
  it('finds the ready line when it arrives split over chunks, then stops collecting the log', async () => {
    const server = fakeServer();
    const logged: string[] = [];
    const ready = untilReady(server, (text) => logged.push(text));
    server.stderr.write('LOG:  database system is ready to ');
    server.stderr.write('accept connections\n');
    await ready;
    expect(logged.join('')).toContain('database system is ready to accept connections');
    expect(server.stderr.listenerCount('data')).toBe(0);
    expect(server.listenerCount('exit')).toBe(0);
    // Still drained: later log lines go nowhere rather than filling the pipe.
    server.stderr.write('LOG:  checkpoint starting: time\n');
    expect(server.stderr.readableFlowing).toBe(true);
    expect(logged).toHaveLength(2);
  });

  it('gives the FATAL line as the reason when Postgres exits before it is ready', async () => {
    const server = fakeServer();
    const ready = untilReady(server, () => undefined);
    server.stderr.write('FATAL:  lock file "postmaster.pid" already exists\nHINT:  Is another postmaster running?\n');
    await new Promise((resolve) => setImmediate(resolve));
    server.emit('exit', 1);
    await expect(ready).rejects.toThrow('lock file "postmaster.pid" already exists');
  });
});
