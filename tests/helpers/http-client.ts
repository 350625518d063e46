/**
 * Test helpers for HTTP over the simulated network: a small response parser
 * (status line, headers, Content-Length or chunked bodies, interim 1xx,
 * bodiless answers to HEAD) and a world with a BareServer and raw clients.
 */
import { Doist } from '../../src/doing/doist.js';
import { SimNet, type SimNetOptions } from '../../src/net/sim/sim-net.js';
import { SimServant } from '../../src/net/sim/sim-servant.js';
import { SimClient } from '../../src/net/sim/sim-client.js';
import { ClientDoer } from '../../src/doing/service-doer.js';
import { BareServer, BareServerDoer, type BareServerOptions } from '../../src/http/bare-server.js';
import { tymeClock } from '../../src/core/clock.js';

export interface Response {
  readonly status: number;
  readonly reason: string;
  readonly headers: Array<[string, string]>;
  readonly body: Buffer;
  /** Interim (1xx) responses received before this one. */
  readonly interim: number[];
}

/** Case-insensitive lookup of the first header value. */
export function header(response: Response, name: string): string | undefined {
  return response.headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
}

/**
 * Parses responses from bytes as they come. `methods` lists the request
 * methods in order, so HEAD answers are known to have no body.
 */
export class ResponseReader {
  readonly responses: Response[] = [];
  #buffer = Buffer.alloc(0);
  #interim: number[] = [];
  readonly #methods: string[];

  constructor(methods: string[] = []) {
    this.#methods = [...methods];
  }

  push(bytes: Buffer): void {
    this.#buffer = Buffer.concat([this.#buffer, bytes]);
    for (;;) {
      const end = this.#buffer.indexOf('\r\n\r\n');
      if (end < 0) return;
      const lines = this.#buffer.toString('latin1', 0, end).split('\r\n');
      const match = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(lines[0]!);
      if (match === null) throw new Error(`bad status line ${JSON.stringify(lines[0])}`);
      const status = Number(match[1]);
      const headers = lines.slice(1).map((line): [string, string] => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon), line.slice(colon + 1).trim()];
      });
      let offset = end + 4;
      if (status >= 100 && status < 200) {
        this.#interim.push(status);
        this.#buffer = this.#buffer.subarray(offset);
        continue;
      }
      const method = this.#methods[this.responses.length] ?? 'GET';
      const find = (name: string): string | undefined => headers.find(([key]) => key.toLowerCase() === name)?.[1];
      let body = Buffer.alloc(0);
      if (method !== 'HEAD' && status !== 204 && status !== 304) {
        if (find('transfer-encoding')?.toLowerCase() === 'chunked') {
          const parts: Buffer[] = [];
          for (;;) {
            const lineEnd = this.#buffer.indexOf('\r\n', offset);
            if (lineEnd < 0) return;
            const size = parseInt(this.#buffer.toString('latin1', offset, lineEnd), 16);
            if (this.#buffer.length < lineEnd + 2 + size + 2) return;
            if (size === 0) {
              const trailerEnd = this.#buffer.indexOf('\r\n', lineEnd + 2);
              if (trailerEnd < 0) return;
              offset = trailerEnd + 2;
              break;
            }
            parts.push(this.#buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
            offset = lineEnd + 2 + size + 2;
          }
          body = Buffer.concat(parts);
        } else {
          const length = Number(find('content-length') ?? '0');
          if (this.#buffer.length < offset + length) return;
          body = Buffer.from(this.#buffer.subarray(offset, offset + length));
          offset += length;
        }
      }
      this.responses.push({ status, reason: match[2]!, headers, body, interim: this.#interim });
      this.#interim = [];
      this.#buffer = this.#buffer.subarray(offset);
    }
  }
}

export interface HttpWorld {
  readonly doist: Doist;
  readonly net: SimNet;
  readonly server: BareServer;
  /** A raw client; its received bytes feed `reader`. */
  client(methods?: string[], autoRead?: boolean): { client: SimClient; reader: ResponseReader; read(): void };
  /** Recurs until `done()` (checking every recur, reading clients first) or `seconds` passed; returns done(). */
  run(seconds: number, done?: () => boolean): boolean;
}

/** A BareServer on a simulated network, with raw clients. */
export function httpWorld(serverOptions: Partial<BareServerOptions> = {}, netOptions: SimNetOptions = {}): HttpWorld {
  const doist = new Doist({ tock: 0.0625 });
  const net = new SimNet({ tymth: doist.tymen(), latency: 0.005, seed: 3, ...netOptions });
  const server = new BareServer({
    servant: new SimServant({ net, host: 'server', port: 80 }),
    clock: tymeClock(doist.tymen(), Date.UTC(2026, 0, 1)),
    ...serverOptions,
  });
  doist.extend([new BareServerDoer(server)]);
  doist.recur();
  const readers: Array<() => void> = [];
  return {
    doist,
    net,
    server,
    client(methods = [], autoRead = true) {
      const client = new SimClient({ net, host: 'server', port: 80 });
      const reader = new ResponseReader(methods);
      const read = (): void => {
        if (client.rxQueue.length > 0) reader.push(client.rxQueue.take(client.rxQueue.length));
      };
      if (autoRead) readers.push(read);
      doist.extend([new ClientDoer(client)]);
      return { client, reader, read };
    },
    run(seconds, done = () => false) {
      const stop = doist.tyme + seconds;
      for (;;) {
        for (const read of readers) read();
        if (done()) return true;
        if (doist.tyme >= stop) return false;
        doist.recur();
      }
    },
  };
}
