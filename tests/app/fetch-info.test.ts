/**
 * What a fetch handler gets besides its request: the server's tyme, a sleep
 * and timers on it (virtual in a simulation), and a place to report faults
 * it caught itself.
 */
import test from 'ava';
import { HioError } from '../../src/core/errors.js';
import { AppServer } from '../../src/app/app-server.js';
import type { FetchHandler } from '../../src/app/fetch-responder.js';
import type { Request as HttpRequest } from '../../src/http/request.js';
import { httpWorld, type HttpWorld } from '../helpers/http-client.js';

const GET = (path = '/'): string => `GET ${path} HTTP/1.1\r\nHost: server\r\n\r\n`;

function appWorld(fetch: FetchHandler, faults: Array<[unknown, HttpRequest | null]> = []): HttpWorld {
  return httpWorld({}, {}, (bare) => {
    const { onError: _fault, steward: _steward, respond: _respond, ...shared } = bare;
    return new AppServer({ ...shared, fetch, onFault: (error, request) => faults.push([error, request]) });
  });
}

test('FetchInfo gives the server tyme, and sleep resolves once that tyme passed the delay', async (t) => {
  const seen: number[] = [];
  const world = appWorld(async (_request, info) => {
    seen.push(info.tyme);
    await info.sleep(2);
    seen.push(info.tyme);
    return new Response('rested');
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from(GET()));
  t.true(await world.settle(5, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.body.toString(), 'rested');
  const [before, after] = seen as [number, number];
  t.true(before > 0);
  // The first pass at or after the tyme: within a tock of it (the tyme read after the pass is one tock on).
  t.true(after - before >= 2 && after - before <= 2 + 2 * 0.0625, `slept ${after - before}`);
  t.is(world.server.timers, 0);
});

test('FetchInfo#sleep with a signal rejects with its reason when it aborts, and its timer goes', async (t) => {
  let outcome: unknown = null;
  const world = appWorld(async (request, info) => {
    try {
      await info.sleep(100, request.signal);
      outcome = 'slept';
    } catch (error) {
      outcome = error;
    }
    return new Response('never sent');
  });
  const { client } = world.client([], false);
  client.tx(Buffer.from(GET()));
  t.true(await world.settle(1, () => world.server.timers === 1));
  client.reset();
  t.true(await world.settle(1, () => outcome !== null));
  t.is((outcome as HioError).code, 'HIO_ERR_CLIENT_GONE');
  t.is(world.server.timers, 0);
});

test('FetchInfo#sleep rejects at once for a signal already aborted and for a bad delay; aborting once a sleep ended changes nothing', async (t) => {
  const results: unknown[] = [];
  const world = appWorld(async (_request, info) => {
    const done = new AbortController();
    await info.sleep(0.5, done.signal);
    done.abort(new Error('too late to matter'));
    for (const attempt of [() => info.sleep(1, AbortSignal.abort(new Error('already'))), () => info.sleep(-1)]) {
      await attempt().then(
        () => results.push('resolved'),
        (error: unknown) => results.push(error instanceof HioError ? error.code : (error as Error).message),
      );
    }
    return new Response('ok');
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from(GET()));
  t.true(await world.settle(3, () => reader.responses.length === 1));
  t.deepEqual(results, ['already', 'HIO_ERR_INVALID_OPTION']);
  t.is(world.server.timers, 0);
});

test('FetchInfo#after runs a callback on the server tyme, cancellable, and FetchInfo#fault reports with the request', async (t) => {
  const faults: Array<[unknown, HttpRequest | null]> = [];
  const ran: string[] = [];
  const problem = new Error('caught by the application');
  const world = appWorld((_request, info) => {
    info.after(1, () => ran.push('after 1'));
    info.after(2, () => ran.push('cancelled'))();
    info.fault(problem);
    return new Response('ok');
  }, faults);
  const { client, reader } = world.client();
  client.tx(Buffer.from(GET('/reported')));
  t.true(await world.settle(3, () => reader.responses.length === 1 && ran.length === 1));
  await world.settle(2);
  t.deepEqual(ran, ['after 1']);
  t.deepEqual(
    faults.map(([error, request]) => [error, request?.target]),
    [[problem, '/reported']],
  );
});
