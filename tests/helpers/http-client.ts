/**
 * Test helpers for HTTP over the simulated network: a response reader (the
 * strict Respondent, so every answer the server sends is held to RFC 9112)
 * and a world with a BareServer and raw clients.
 */
import { ByteQueue } from '../../src/core/byte-queue.js';
import { Doist } from '../../src/doing/doist.js';
import { SimNet, type SimNetOptions } from '../../src/net/sim/sim-net.js';
import { SimServant } from '../../src/net/sim/sim-servant.js';
import { SimClient } from '../../src/net/sim/sim-client.js';
import { ClientDoer } from '../../src/doing/service-doer.js';
import { BareServer, BareServerDoer, type BareServerOptions } from '../../src/http/bare-server.js';
import { DEFAULT_LIMITS, type HttpLimits } from '../../src/http/limits.js';
import { Respondent } from '../../src/http/respondent.js';
import { tymeClock } from '../../src/core/clock.js';

export interface Response {
  readonly status: number;
  readonly reason: string;
  readonly headers: Array<[string, string]>;
  readonly body: Buffer;
  /** Trailer fields of a chunked body. */
  readonly trailers: Array<[string, string]>;
  /** Interim (1xx) responses received before this one. */
  readonly interim: number[];
}

/** Case-insensitive lookup of the first header value. */
export function header(response: Response, name: string): string | undefined {
  return response.headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

/** Tests download bodies of tens of megabytes in as many chunks as the network makes. */
const READER_LIMITS: HttpLimits = { ...DEFAULT_LIMITS, maxBodyBytes: Number.MAX_SAFE_INTEGER, maxChunks: Number.MAX_SAFE_INTEGER };

/**
 * Parses responses from bytes as they come, with the strict Respondent.
 * `methods` lists the request methods in order, so HEAD answers are known
 * to have no body (responses past the list answer GETs). A response the
 * Respondent rejects throws from push(): a server bug, never to be read
 * around.
 */
export class ResponseReader {
  readonly responses: Response[] = [];
  readonly #queue = new ByteQueue();
  readonly #respondent: Respondent;
  #interim: number[] = [];

  constructor(methods: string[] = []) {
    // The reader watches every answer: a 100 Continue is shown whether or not the request asked for it.
    this.#respondent = new Respondent(this.#queue, { limits: READER_LIMITS, everyContinue: true });
    for (const method of methods) this.#respondent.expect(method);
  }

  /** Takes received bytes (by reference: the caller must not modify them) and parses what they complete. */
  push(bytes: Buffer): void {
    this.#queue.push(bytes);
    for (;;) {
      const progress = this.#respondent.parse();
      if (progress === 'more') return;
      if (progress === 'error') {
        const error = this.#respondent.error!;
        throw new Error(`invalid response (${error.code}): ${error.message}`, { cause: error });
      }
      if (progress === 'head') continue;
      const response = this.#respondent.take();
      if (response.status < 200 && !response.switched) {
        this.#interim.push(response.status);
        continue;
      }
      this.responses.push({
        status: response.status,
        reason: response.reason,
        headers: response.headers.entries().map(([name, value]): [string, string] => [name, value]),
        body: response.body,
        trailers: response.trailers.entries().map(([name, value]): [string, string] => [name, value]),
        interim: this.#interim,
      });
      this.#interim = [];
    }
  }
}

export interface HttpWorld {
  readonly doist: Doist;
  readonly net: SimNet;
  readonly server: BareServer;
  /** A raw client (on host `localHost`, default 'client'); its received bytes feed `reader`. */
  client(methods?: string[], autoRead?: boolean, localHost?: string): { client: SimClient; reader: ResponseReader; read(): void };
  /** Recurs until `done()` (checking every recur, reading clients first) or `seconds` passed; returns done(). */
  run(seconds: number, done?: () => boolean): boolean;
  /** As run, letting promises settle between recurs (tyme stays virtual): for applications that answer asynchronously. */
  settle(seconds: number, done?: () => boolean): Promise<boolean>;
}

/**
 * A BareServer on a simulated network, with raw clients; `makeServer`
 * builds another kind of server (an AppServer) from the same options.
 */
export function httpWorld(
  serverOptions: Partial<BareServerOptions> = {},
  netOptions: SimNetOptions = {},
  makeServer: (options: BareServerOptions) => BareServer = (options) => new BareServer(options),
): HttpWorld {
  const doist = new Doist({ tock: 0.0625 });
  const net = new SimNet({ tymth: doist.tymen(), latency: 0.005, seed: 3, ...netOptions });
  const server = makeServer({
    servant: new SimServant({ net, host: 'server', port: 80 }),
    clock: tymeClock(doist.tymen(), Date.UTC(2026, 0, 1)),
    ...serverOptions,
  });
  doist.extend([new BareServerDoer(server)]);
  doist.recur();
  const readers: Array<() => void> = [];
  /** One recur per step, reading clients first; yields null after each recur, then whether done() came true before `seconds` passed. */
  function* steps(seconds: number, done: () => boolean): Generator<boolean | null> {
    const stop = doist.tyme + seconds;
    for (;;) {
      for (const read of readers) read();
      if (done()) return yield true;
      if (doist.tyme >= stop) return yield false;
      doist.recur();
      yield null;
    }
  }
  return {
    doist,
    net,
    server,
    client(methods = [], autoRead = true, localHost = 'client') {
      const client = new SimClient({ net, localHost, host: 'server', port: 80 });
      const reader = new ResponseReader(methods);
      const read = (): void => {
        if (client.rxQueue.length > 0) reader.push(client.rxQueue.take(client.rxQueue.length));
      };
      if (autoRead) readers.push(read);
      doist.extend([new ClientDoer(client)]);
      return { client, reader, read };
    },
    run(seconds, done = () => false) {
      for (const finished of steps(seconds, done)) if (finished !== null) return finished;
      return false;
    },
    async settle(seconds, done = () => false) {
      for (const finished of steps(seconds, done)) {
        if (finished !== null) return finished;
        await new Promise((resolve) => setImmediate(resolve));
      }
      return false;
    },
  };
}

/** Reads everything a raw client received so far and returns it all as latin1 text (each call takes what arrived since the last). */
export function receivedText(client: { readonly rxQueue: { readonly length: number; take(count: number): Buffer } }): { text(): string; clear(): void } {
  const received: Buffer[] = [];
  return {
    text() {
      if (client.rxQueue.length > 0) received.push(client.rxQueue.take(client.rxQueue.length));
      return Buffer.concat(received).toString('latin1');
    },
    clear() {
      received.length = 0;
    },
  };
}
