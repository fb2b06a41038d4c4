import http from 'node:http';

export interface StreamedEvent {
  id: string;
  event: string;
  data: Record<string, any>;
  receivedAt: number;
}

export interface EventStream {
  events: StreamedEvent[];
  status: number;
  /** Settles when the server ends the stream. */
  ended: Promise<void>;
  waitFor(predicate: (events: StreamedEvent[]) => boolean, timeoutMs?: number): Promise<void>;
  close(): void;
}

/** A minimal Server-Sent Events client for tests: parses `id`, `event` and `data` lines as they arrive. */
export function openEventStream(url: string, headers: Record<string, string> = {}): Promise<EventStream> {
  return new Promise((resolve, reject) => {
    const events: StreamedEvent[] = [];
    const waiters = new Set<() => void>();
    const request = http.get(url, { headers: { Accept: 'text/event-stream', ...headers } }, (response) => {
      let buffer = '';
      const ended = new Promise<void>((done) => response.on('end', () => done()));
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            if (colon > 0) fields[line.slice(0, colon)] = line.slice(colon + 1).trimStart();
          }
          if (fields.data !== undefined) {
            events.push({ id: fields.id, event: fields.event, data: JSON.parse(fields.data), receivedAt: Date.now() });
            waiters.forEach((wake) => wake());
          }
        }
      });
      resolve({
        events,
        status: response.statusCode ?? 0,
        ended,
        close: () => request.destroy(),
        waitFor: (predicate, timeoutMs = 5000) =>
          new Promise<void>((done, fail) => {
            if (predicate(events)) return done();
            const timer = setTimeout(() => {
              waiters.delete(check);
              fail(new Error(`stream condition not met within ${timeoutMs} ms; got ${events.length} events`));
            }, timeoutMs);
            const check = () => {
              if (!predicate(events)) return;
              clearTimeout(timer);
              waiters.delete(check);
              done();
            };
            waiters.add(check);
          }),
      });
    });
    request.on('error', reject);
  });
}
