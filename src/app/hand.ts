/**
 * @module
 * The hand writer from a fetch handler: {@link handResponse} returns a
 * `Response` that stands for "this response is written by hand". The
 * {@link FetchResponder} recognises it by a mark (a symbol-keyed property)
 * and hands the rest of the answer to a {@link HandResponder} running the
 * function — the way `@hono/node-server` lets a handler reach Node's raw
 * response, without leaving the fetch application:
 *
 * ```ts
 * fetch: (request) => handResponse(async (writer) => {
 *   await writer.write('tick\n');
 *   await writer.end('done\n');
 * })
 * ```
 *
 * The Response itself is an empty 200 placeholder; returned anywhere else
 * (outside a hio-ts server) it sends nothing of what the function writes.
 */
import type { HandWriter, HandWriterOptions } from '../http/hand-writer.js';
import { HandResponder } from '../http/hand-responder.js';

/** Writes one response by hand for a fetch handler, given the WHATWG request; may return a promise. */
export type HandResponseFunction = (writer: HandWriter, request: Request) => void | Promise<void>;

/** What a hand response carries under its mark. */
interface Hand {
  readonly write: HandResponseFunction;
  readonly options: HandWriterOptions;
}

/** A registered symbol: a second copy of hio-ts loaded in the process (its CommonJS build beside its ES one, say) knows the mark too. */
const HAND = Symbol.for('hio-ts.handResponse');

/** A Response whose answer `write` writes by hand through a {@link HandWriter} (see the module note). */
export function handResponse(write: HandResponseFunction, options: HandWriterOptions = {}): Response {
  const response = new Response(null);
  Object.defineProperty(response, HAND, { value: { write, options } satisfies Hand });
  return response;
}

/** The responder for a response made by {@link handResponse}, answering `request`; null for any other value. */
export function handResponder(response: unknown, request: () => Request): HandResponder | null {
  const hand = (response as { [HAND]?: Hand } | null)?.[HAND];
  if (hand === undefined) return null;
  const fetchRequest = request();
  return new HandResponder((writer) => hand.write(writer, fetchRequest), hand.options);
}
