/**
 * @module
 * The steward the HTTP/1.1 conformance corpus expects: `GET /` and `HEAD /`
 * answer 200 with a short text, `POST /` answers 200 with exactly the
 * request body, any other method on `/` gets 405 with `Allow`, other paths
 * 404, `OPTIONS *` answers 200 with `Allow`. Absolute-form targets reach the
 * same paths.
 */
import { CustomResponder } from '../http/custom-responder.js';
import type { Request } from '../http/request.js';
import type { Responder } from '../http/responder.js';
import { Steward } from '../http/steward.js';

/** Answers the conformance corpus's three routes. */
export class ConformanceSteward extends Steward {
  override respond(request: Request): Responder {
    if (request.form === 'asterisk') return new CustomResponder({ headers: [['Allow', 'GET, HEAD, POST, OPTIONS']] });
    if (request.path !== '/') return new CustomResponder({ status: 404, body: 'not found\n' });
    switch (request.method) {
      case 'GET':
      case 'HEAD':
        return new CustomResponder({ body: 'ok\n' });
      case 'POST':
        return new CustomResponder({ headers: [['Content-Type', 'application/octet-stream']], body: request.body });
      default:
        return new CustomResponder({ status: 405, headers: [['Allow', 'GET, HEAD, POST']], body: 'method not allowed\n' });
    }
  }
}
