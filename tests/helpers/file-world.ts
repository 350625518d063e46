/**
 * File answers on the simulated network, two ways behind one surface: a
 * fetch handler calling sendFile on an AppServer, and a BareServer whose
 * respond makes a FileResponder. The request path, percent-decoded, is the
 * file's path.
 */
import { AppServer } from '../../src/app/app-server.js';
import { FileResponder } from '../../src/app/file-responder.js';
import { sendFile, type FileResponseOptions } from '../../src/app/file-response.js';
import type { FileSource } from '../../src/fs/file-source.js';
import type { BareServerOptions } from '../../src/http/bare-server.js';
import { httpWorld, type HttpWorld, type Response } from './http-client.js';

/** Which server answers: the fetch handler or the BareServer's responder. */
export type FileKind = 'fetch' | 'bare';

export const KINDS: readonly FileKind[] = ['fetch', 'bare'];

/** Options of a file answer, less the source. */
export type FileOptions = Omit<FileResponseOptions, 'source'>;

/** A world answering every request with the file its path names. */
export function fileWorld(kind: FileKind, source: FileSource, options: FileOptions = {}, serverOptions: Partial<BareServerOptions> = {}): HttpWorld {
  const settings: FileResponseOptions = { source, ...options };
  if (kind === 'bare') {
    return httpWorld({ onError: () => {}, ...serverOptions, respond: (request) => new FileResponder(request, decodeURIComponent(request.path), settings) });
  }
  return httpWorld(serverOptions, {}, (bare: BareServerOptions) => {
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
    return new AppServer({
      ...shared,
      fetch: (request) => sendFile(request, decodeURIComponent(new URL(request.url).pathname), settings),
      onFault: () => {},
    });
  });
}

/** Sends one request on a new connection and waits (up to `seconds` of tyme) for its answer. */
export async function ask(world: HttpWorld, target: string, headers: Readonly<Record<string, string>> = {}, method = 'GET', seconds = 30): Promise<Response> {
  const { client, reader } = world.client([method]);
  let head = `${method} ${target} HTTP/1.1\r\nHost: server\r\n`;
  for (const [name, value] of Object.entries(headers)) head += `${name}: ${value}\r\n`;
  client.tx(Buffer.from(`${head}\r\n`, 'latin1'));
  if (!(await world.settle(seconds, () => reader.responses.length === 1))) throw new Error(`no answer to ${method} ${target}`);
  return reader.responses[0]!;
}

/** One part of a multipart body. */
export interface Part {
  readonly headers: Record<string, string>;
  readonly data: Buffer;
}

/**
 * Parses a multipart/byteranges body strictly: it starts with the first
 * delimiter, each part is header lines, a blank line and data up to the
 * next CRLF-delimiter, and the close delimiter ends it with a CRLF. Throws
 * on anything else.
 */
export function parseMultipart(body: Buffer, boundary: string): Part[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const next = Buffer.from(`\r\n--${boundary}`, 'latin1');
  if (!body.subarray(0, delimiter.length).equals(delimiter)) throw new Error('the body does not start with the delimiter');
  const parts: Part[] = [];
  let at = delimiter.length;
  for (;;) {
    const after = body.subarray(at, at + 2).toString('latin1');
    if (after === '--') {
      if (body.subarray(at + 2).toString('latin1') !== '\r\n') throw new Error('bytes after the close delimiter');
      return parts;
    }
    if (after !== '\r\n') throw new Error('no CRLF after a delimiter');
    const blank = body.indexOf('\r\n\r\n', at + 2, 'latin1');
    if (blank < 0) throw new Error('a part without a blank line');
    const headers: Record<string, string> = {};
    for (const line of body
      .subarray(at + 2, blank)
      .toString('latin1')
      .split('\r\n')) {
      const colon = line.indexOf(':');
      headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
    }
    const end = body.indexOf(next, blank + 4);
    if (end < 0) throw new Error('a part without a delimiter after it');
    parts.push({ headers, data: body.subarray(blank + 4, end) });
    at = end + next.length;
  }
}
