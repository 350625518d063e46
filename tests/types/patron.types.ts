/**
 * Type tests of the client surface: checked by `tsc -p tsconfig.json` (part
 * of `npm test`), never run. Each `@ts-expect-error` line must fail to
 * type-check.
 */
import { EventSource, type EventStreamHost } from '../../src/http/event-source.js';
import type { Exchange } from '../../src/http/exchange.js';
import { PatronDoer } from '../../src/http/patron-doer.js';
import { Patron } from '../../src/http/patron.js';
import type { ResponseHead } from '../../src/http/respondent.js';

const patron = new Patron({ connections: 8, pipelining: 2, lenient: { bareLf: true } });

// fetch() resolves with a standard Response; request() gives an Exchange to poll.
export const fetched: Promise<Response> = patron.fetch('http://example.test/', { method: 'POST', body: 'text', redirect: 'manual', maxRedirects: 3 });
export const polled: Exchange = patron.request({
  url: new URL('http://example.test/'),
  body: (function* () {
    yield new Uint8Array(1);
  })(),
});
export const head: ResponseHead | null = polled.head;
export const doer = new PatronDoer(patron);

// A Patron is what an EventSource needs: fetch and sleep on its tyme.
export const host: EventStreamHost = patron;
export const source = new EventSource(patron, 'http://example.test/events');

// @ts-expect-error unknown options are refused
new Patron({ retries: 3 });
// @ts-expect-error tolerances are named, and these are the response ones
new Patron({ lenient: { fragment: true } });
// @ts-expect-error a body is bytes, text, a stream or an iterable of them
patron.request({ url: 'http://example.test/', body: 42 });
// @ts-expect-error redirect modes are follow, manual and error
void patron.fetch('http://example.test/', { redirect: 'sometimes' });
// @ts-expect-error an exchange's request is read, never replaced from outside the client
polled.request.method = 'PUT';
