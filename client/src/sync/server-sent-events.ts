export interface ServerSentEvent {
  id: string | null;
  event: string;
  data: string;
}

/**
 * Parses a `text/event-stream` body (the WHATWG rules that matter here: any line ending, `data` lines joined by
 * newlines, comments and unknown fields ignored, an event dispatched at a blank line, an unfinished one dropped).
 */
export async function* parseServerSentEvents(chunks: AsyncIterable<string>): AsyncGenerator<ServerSentEvent> {
  let fields = emptyFields();
  for await (const line of splitLines(chunks)) {
    if (line !== '') {
      readField(fields, line);
      continue;
    }
    if (fields.data.length > 0) yield { id: fields.id, event: fields.event || 'message', data: fields.data.join('\n') };
    fields = emptyFields();
  }
}

async function* splitLines(chunks: AsyncIterable<string>): AsyncGenerator<string> {
  let buffer = '';
  for await (const chunk of chunks) {
    buffer += chunk;
    let end: number;
    while ((end = lineEnd(buffer)) !== -1) {
      // A \r that ends the buffer may be the first half of \r\n: the next chunk tells.
      if (buffer[end] === '\r' && end + 1 === buffer.length) break;
      yield buffer.slice(0, end);
      buffer = buffer.slice(end + (buffer.startsWith('\r\n', end) ? 2 : 1));
    }
  }
  if (buffer.endsWith('\r')) yield buffer.slice(0, -1);
}

interface PendingFields {
  id: string | null;
  event: string;
  data: string[];
}

function emptyFields(): PendingFields {
  return { id: null, event: '', data: [] };
}

function lineEnd(buffer: string): number {
  const newline = buffer.indexOf('\n');
  const carriageReturn = buffer.indexOf('\r');
  if (newline === -1) return carriageReturn;
  if (carriageReturn === -1) return newline;
  return Math.min(newline, carriageReturn);
}

function readField(fields: PendingFields, line: string): void {
  if (line.startsWith(':')) return;
  const colon = line.indexOf(':');
  const name = colon === -1 ? line : line.slice(0, colon);
  let value = colon === -1 ? '' : line.slice(colon + 1);
  if (value.startsWith(' ')) value = value.slice(1);
  if (name === 'data') fields.data.push(value);
  else if (name === 'event') fields.event = value;
  else if (name === 'id' && !value.includes('\0')) fields.id = value;
}
