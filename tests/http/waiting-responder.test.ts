/**
 * A responder waiting on something outside its connection (an application's
 * promise) suspends its writer: the server stops running it every pass, the
 * wait does not count as idleness, and resuming pours again at the next pass.
 */
import test from 'ava';
import { CustomResponder } from '../../src/http/custom-responder.js';
import type { Responder } from '../../src/http/responder.js';
import type { ResponseWriter } from '../../src/http/response-writer.js';
import { httpWorld } from '../helpers/http-client.js';

/** A responder that suspends at once and answers once `resume` is called from outside. */
function waiting(): { responder: Responder; pours: () => number; resume: () => void } {
  let pours = 0;
  let held: ResponseWriter | null = null;
  let ready = false;
  const responder: Responder = {
    pour(writer) {
      pours += 1;
      if (!ready) {
        held = writer;
        writer.suspend();
        return false;
      }
      return new CustomResponder({ body: 'late but fine' }).pour(writer);
    },
  };
  return {
    responder,
    pours: () => pours,
    resume: () => {
      ready = true;
      held?.resume();
    },
  };
}

test('A suspended responder outlives the keep-alive tymeout, is not polled, and answers once resumed', (t) => {
  const job = waiting();
  const world = httpWorld({ keepAliveTymeout: 5, respond: () => job.responder });
  const { client, reader } = world.client();
  client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(world.run(1, () => job.pours() === 1));
  // Twelve seconds of tyme, ~190 passes: the waiting steward is run only when its idle deadline comes round.
  t.false(world.run(12, () => client.cutoff || reader.responses.length > 0));
  t.false(client.cutoff);
  t.true(job.pours() <= 4, `poured ${job.pours()} times while waiting`);
  job.resume();
  t.true(world.run(1, () => reader.responses.length === 1));
  t.is(reader.responses[0]!.body.toString(), 'late but fine');
  t.false(client.cutoff);
  t.is(world.server.stewards.size, 1);
});

test('Resuming after the client went away is harmless, and the connection is forgotten', (t) => {
  const job = waiting();
  const world = httpWorld({ respond: () => job.responder });
  const { client } = world.client();
  client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(world.run(1, () => job.pours() === 1));
  client.reset();
  t.true(world.run(2, () => world.server.stewards.size === 0));
  job.resume();
  t.true(world.run(1, () => true));
  t.is(job.pours(), 1);
  t.is(world.server.faults, 0);
});

test('ResponseWriter#suspend is refused once the response ended, and resume without suspend does nothing', (t) => {
  let writer: ResponseWriter | null = null;
  const world = httpWorld({
    respond: () => ({
      pour(w) {
        writer = w;
        w.resume();
        w.end('x');
        return true;
      },
    }),
  });
  const { client, reader } = world.client();
  client.tx(Buffer.from('GET / HTTP/1.1\r\nHost: server\r\n\r\n'));
  t.true(world.run(1, () => reader.responses.length === 1));
  t.is(t.throws(() => writer!.suspend())?.['code' as keyof Error], 'HIO_ERR_RESPONSE_STATE');
});
