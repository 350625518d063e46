/**
 * @module
 * The CustomResponder: a whole response message built at once from a status,
 * headers and a body (bytes or text) or JSON data (hio's CustomResponder).
 * It goes out through the {@link ResponseWriter}'s fast path: one buffer in
 * one tx, with the headers the writer adds (Date, Server, Content-Length,
 * Connection) and a Content-Type for text and JSON.
 */
import type { Responder } from './responder.js';
import type { HeadersInit, ResponseWriter } from './response-writer.js';

export type { HeadersInit } from './response-writer.js';

/** What a CustomResponder sends. */
export interface ResponseSpec {
  /** Status code, 100–999 (default 200). */
  readonly status?: number;
  /** Reason phrase (default: the standard one). */
  readonly reason?: string;
  readonly headers?: HeadersInit;
  /** The body: bytes, or text sent as UTF-8 (Content-Type text/plain; charset=utf-8 unless given). */
  readonly body?: Uint8Array | string;
  /** JSON data: sent compact with Content-Type application/json; charset=utf-8. Wins over body. */
  readonly data?: unknown;
}

/** A whole response built from a {@link ResponseSpec}. */
export class CustomResponder implements Responder {
  readonly spec: ResponseSpec;

  constructor(spec: ResponseSpec = {}) {
    this.spec = spec;
  }

  pour(writer: ResponseWriter): boolean {
    const spec = this.spec;
    if (spec.data !== undefined) {
      writer.send({ ...spec, body: JSON.stringify(spec.data) ?? 'null' }, JSON_TYPE);
    } else {
      writer.send(spec, typeof spec.body === 'string' ? TEXT_TYPE : null);
    }
    return true;
  }
}

const JSON_TYPE = 'application/json; charset=utf-8';
const TEXT_TYPE = 'text/plain; charset=utf-8';
