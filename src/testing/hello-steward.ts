/**
 * @module
 * The steward of the side-by-side benchmark: `GET /` answers
 * "Hello, World!" as text/plain with a Content-Length; anything else 404.
 */
import { CustomResponder } from '../http/custom-responder.js';
import type { Request } from '../http/request.js';
import type { Responder } from '../http/responder.js';
import { Steward } from '../http/steward.js';

const HELLO = Buffer.from('Hello, World!');
const HEADERS: ReadonlyArray<readonly [string, string]> = [['Content-Type', 'text/plain']];

/** Answers `GET /` with "Hello, World!". */
export class HelloSteward extends Steward {
  override respond(request: Request): Responder {
    if (request.path === '/' && (request.method === 'GET' || request.method === 'HEAD')) return new CustomResponder({ headers: HEADERS, body: HELLO });
    return new CustomResponder({ status: 404, body: 'not found\n' });
  }
}
