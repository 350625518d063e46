/**
 * @module
 * The FileResponder: a file answered for a BareServer (or any Steward),
 * planned as {@link sendFile} plans it (see file-response.ts) and poured
 * straight through the connection's {@link ResponseWriter}:
 *
 * ```ts
 * const files = { source, maxAge: 60 };
 * new BareServer({ respond: (request) => new FileResponder(request, `/site${request.path}`, files) });
 * ```
 *
 * The writer is suspended while the file is looked up and while each chunk
 * is read, and a chunk is read only while the connection takes more, so a
 * slow reader costs its connection's high-water mark and one chunk. The
 * file is closed when the body ends, when a read fails (the connection is
 * then reset: the head already promised a length) and when the connection
 * goes away.
 */
import type { Request as HttpRequest } from '../http/request.js';
import type { Responder } from '../http/responder.js';
import type { ResponseWriter } from '../http/response-writer.js';
import { ChunksInFlight, type BodySource } from './file-body.js';
import { fileSettings, planFile, type FileAnswer, type FileResponseOptions, type FileSettings } from './file-response.js';

const State = { start: 0, planning: 1, pump: 2, reading: 3, done: 4 } as const;
type State = (typeof State)[keyof typeof State];

/** One request answered with a file. */
export class FileResponder implements Responder {
  readonly #request: HttpRequest;
  readonly #path: string;
  readonly #settings: FileSettings;
  #state: State = State.start;
  #answer: FileAnswer | null = null;
  #body: BodySource | null = null;
  #chunk: Uint8Array | null = null;
  #ended = false;
  #failure: { readonly error: unknown } | null = null;
  /** Chunks written and not yet out, when the connection lets their buffers be reused. */
  #inFlight: ChunksInFlight | null = null;

  /**
   * Answers `request` with the file at `path` (absolute, as the source
   * takes it). Throws HIO_ERR_INVALID_OPTION for bad options.
   */
  constructor(request: HttpRequest, path: string, options: FileResponseOptions) {
    this.#request = request;
    this.#path = path;
    this.#settings = fileSettings(options);
  }

  pour(writer: ResponseWriter): boolean {
    this.#inFlight?.release(writer.txWritten);
    for (;;) {
      switch (this.#state) {
        case State.start:
          this.#plan(writer);
          return false;
        case State.planning:
          if (this.#failure !== null) {
            this.#state = State.done;
            throw this.#failure.error;
          }
          if (this.#answer === null) return false;
          if (this.#head(writer, this.#answer)) return true;
          continue;
        case State.pump:
          if (this.#chunk !== null) {
            const chunk = this.#chunk;
            this.#chunk = null;
            writer.write(chunk);
            this.#inFlight?.add(chunk, writer);
          }
          if (this.#ended) {
            this.#state = State.done;
            writer.end();
            return true;
          }
          if (!writer.writable) return false;
          this.#read(writer);
          continue;
        case State.reading:
          if (this.#failure !== null) {
            this.#state = State.done;
            throw this.#failure.error;
          }
          if (this.#chunk === null && !this.#ended) return false;
          this.#state = State.pump;
          continue;
        default:
          return true;
      }
    }
  }

  abandon(): void {
    this.#state = State.done;
    this.#body?.close();
  }

  /** Looks the file up, the writer suspended until the answer is known. */
  #plan(writer: ResponseWriter): void {
    this.#state = State.planning;
    writer.suspend();
    const request = this.#request;
    const header = (name: string): string | null => {
      const values = request.headers.getAll(name);
      return values.length === 0 ? null : values.join(', ');
    };
    planFile({ method: request.method, header }, this.#path, this.#settings).then(
      (answer) => {
        // Gone while the file was looked up: nobody will read it.
        if (this.#state === State.done) answer.body?.close();
        else this.#answer = answer;
        writer.resume();
      },
      (error: unknown) => {
        this.#failure = { error };
        writer.resume();
      },
    );
  }

  /** Writes the head; returns true when the answer is complete with it. */
  #head(writer: ResponseWriter, answer: FileAnswer): boolean {
    if (answer.text !== null) {
      this.#state = State.done;
      writer.send({ status: answer.status, headers: answer.headers, body: answer.text });
      return true;
    }
    writer.writeHead(answer.status, answer.headers, answer.length >= 0 ? { length: answer.length } : {});
    if (answer.body === null) {
      this.#state = State.done;
      writer.end();
      return true;
    }
    this.#body = answer.body;
    // A socket copies what it sends: the body's read buffers come back once their bytes are out.
    const body = answer.body;
    if (writer.reusesBuffers && body.recycle !== undefined) this.#inFlight = new ChunksInFlight((chunk) => body.recycle!(chunk));
    this.#state = State.pump;
    return false;
  }

  /** Asks the body for its next chunk, the writer suspended until it comes. */
  #read(writer: ResponseWriter): void {
    this.#state = State.reading;
    writer.suspend();
    this.#body!.next().then(
      (chunk) => {
        if (chunk === null) this.#ended = true;
        else this.#chunk = chunk;
        writer.resume();
      },
      (error: unknown) => {
        this.#failure = { error };
        writer.resume();
      },
    );
  }
}
