/**
 * @module
 * The one error catalogue. Every error hio-ts raises is a {@link HioError}
 * carrying a stable `code` from {@link errorCodes}; tests and callers match on
 * the code, never on message text. HTTP parse failures are
 * {@link HttpParseError}s that also carry the status to answer with.
 *
 * Only programmer misuse (bad options, calling a method in the wrong state)
 * throws at once. Faults met while servicing I/O are recorded by the
 * component and turned into a response or a close on its next pass.
 */

/** Stable error codes and what each one means. */
export const errorCodes = {
  HIO_ERR_INVALID_OPTION: 'an option is unknown or has an invalid value',
  HIO_ERR_NO_TYMTH: 'a Tymee read tyme before a tymth was wound into it',
  HIO_ERR_DOER_STATE: 'a doer or scheduler was used in a state that does not allow it',
  HIO_ERR_NET_STATE: 'a transport was used in a state that does not allow it',
  HIO_ERR_NET_ADDRESS: 'an address is malformed or cannot be used',
  HIO_ERR_BYTE_RANGE: 'a byte queue was asked for more bytes than it holds',
  HIO_ERR_SIM: 'the simulated network was asked to do something impossible',
  HIO_ERR_SIM_AMBIENT: 'code inside a simulation read the real clock or real randomness, set a real timer or opened a real connection',
  HIO_ERR_BAD_REQUEST: 'the request is not valid HTTP/1.1',
  HIO_ERR_BAD_RESPONSE: 'the response is not valid HTTP/1.1',
  HIO_ERR_REDIRECT_LOCATION: 'a redirect Location is not a valid URL, or not an http or https one',
  HIO_ERR_REDIRECT_INSECURE: 'a redirect would lead from https down to http',
  HIO_ERR_REDIRECT_LIMIT: 'a redirect would exceed the maximum number of redirects to follow',
  HIO_ERR_REDIRECT_BODY: 'a redirect keeps the request body but the body was a stream that cannot be sent again',
  HIO_ERR_REDIRECT_LOOP: 'a redirect leads back to a request already made in the same chain',
  HIO_ERR_LINE_TOO_LONG: 'the request line is longer than the limit',
  HIO_ERR_HEADERS_TOO_LARGE: 'the header section is larger than the limit',
  HIO_ERR_TOO_MANY_HEADERS: 'the header section has more fields than the limit',
  HIO_ERR_BODY_TOO_LARGE: 'the body is larger than the limit',
  HIO_ERR_BAD_VERSION: 'the HTTP version is not supported',
  HIO_ERR_NOT_IMPLEMENTED: 'the method or transfer coding is not implemented',
  HIO_ERR_BAD_HOST: 'the Host header is missing, repeated or invalid',
  HIO_ERR_BAD_LENGTH: 'the Content-Length is invalid or conflicts with other framing',
  HIO_ERR_BAD_CHUNK: 'the chunked body is malformed',
  HIO_ERR_EXPECTATION: 'the Expect header names an expectation the server cannot meet',
  HIO_ERR_HEADER_TIMEOUT: 'the header section did not arrive before its deadline',
  HIO_ERR_BODY_TIMEOUT: 'the request body arrived more slowly than the minimum rate allows',
  HIO_ERR_PREMATURE_CLOSE: 'the peer closed before the message was complete',
  HIO_ERR_RESPONSE_STATE: 'a response was written in a state that does not allow it',
  HIO_ERR_APP: 'the application failed while answering a request',
  HIO_ERR_CLIENT_GONE: 'the client went away before the response completed',
  HIO_ERR_BODY_DISCARDED: 'the request body was read after its response completed or its reader cancelled it',
  HIO_ERR_INVALID_REQUEST: 'a request given to the client is malformed: its method, URL, a header field or its framing',
  HIO_ERR_REQUEST_BODY: 'the source of a request body failed or gave something other than bytes',
  HIO_ERR_CONNECT: 'the client could not connect to the server',
  HIO_ERR_CONNECTION_LOST: 'the connection closed or failed before the response was complete',
  HIO_ERR_CONNECT_TIMEOUT: 'the connection was not established before its deadline',
  HIO_ERR_RESPONSE_TIMEOUT: 'the response head did not arrive before its deadline',
  HIO_ERR_SEND_TIMEOUT: 'the server took no byte of the request for longer than allowed',
  HIO_ERR_BODY_IDLE_TIMEOUT: 'no byte of the response body arrived for longer than allowed',
  HIO_ERR_ABORTED: 'the request was aborted by its caller, or its client closed',
  HIO_ERR_FILE: 'a file could not be read (permissions, or an input/output failure)',
  HIO_ERR_INVALID_EVENT: 'an event for an event stream has a field its line cannot carry',
  HIO_ERR_EVENT_TOO_LARGE: 'an event-stream line or the data of one event is larger than maxEventBytes',
  HIO_ERR_EVENT_STREAM_REFUSED: 'an event-stream request was answered with a status other than 200 or a type other than text/event-stream',
  HIO_ERR_EVENT_STREAM_LOST: 'an event stream could not reconnect within its maxAttempts consecutive attempts',
  HIO_ERR_UPGRADE: 'a protocol upgrade or tunnel was asked for in a state or form that does not allow it',
  HIO_ERR_TUNNEL_TIMEOUT: 'a connection taken over by another protocol went without progress for longer than allowed',
  HIO_ERR_OFFLOAD_BUSY: 'the worker pool queue is full: the task was not accepted',
  HIO_ERR_OFFLOAD_TIMEOUT: 'an offloaded task did not finish within its tymeout and was cancelled',
  HIO_ERR_OFFLOAD_CRASHED: 'the worker running an offloaded task exited or failed before finishing it',
  HIO_ERR_OFFLOAD_CLOSED: 'the worker pool is closed: no task is accepted',
  HIO_ERR_PROXY_PROTOCOL: 'a PROXY protocol header is missing or malformed',
  HIO_ERR_CLUSTER: 'a worker process could not be kept running within the restart budget, or the primary was asked for what only a worker has',
} as const;

/** One of the stable error codes. */
export type HioErrorCode = keyof typeof errorCodes;

/** The base of every error hio-ts raises; `code` is stable across releases. */
export class HioError extends Error {
  /** Stable machine-readable code; match on this, not on `message`. */
  readonly code: HioErrorCode;

  constructor(code: HioErrorCode, message?: string, options?: { cause?: unknown }) {
    super(message ?? errorCodes[code], options);
    this.code = code;
    this.name = 'HioError';
  }
}

/** The HTTP status codes a request parser answers with. */
export type ParseStatus = 400 | 408 | 413 | 414 | 417 | 431 | 501 | 505;

/**
 * A request that cannot be parsed. `status` is the response to send before
 * closing the connection.
 */
export class HttpParseError extends HioError {
  /** The status code to answer with. */
  readonly status: ParseStatus;

  constructor(code: HioErrorCode, status: ParseStatus, message?: string, options?: { cause?: unknown }) {
    super(code, message, options);
    this.status = status;
    this.name = 'HttpParseError';
  }
}

/**
 * A task a worker pool did not finish: shed because its queue was full or
 * it was closed, past its tymeout, or lost with its worker. `retryAfter` is
 * the pool's advice to a client (seconds), what a 503 says in Retry-After.
 */
export class OffloadError extends HioError {
  /** Seconds after which a client may try again. */
  readonly retryAfter: number;

  constructor(
    code: 'HIO_ERR_OFFLOAD_BUSY' | 'HIO_ERR_OFFLOAD_TIMEOUT' | 'HIO_ERR_OFFLOAD_CRASHED' | 'HIO_ERR_OFFLOAD_CLOSED',
    retryAfter: number,
    message?: string,
    options?: { cause?: unknown },
  ) {
    super(code, message, options);
    this.retryAfter = retryAfter;
    this.name = 'OffloadError';
  }
}
