/**
 * RequestBody on its own: bytes pushed are taken in order, waiting settles
 * on data, end or failure, the reader is told the steward once when it first
 * wants the body and again when it makes room the producer waited for, a
 * stream pulls only on demand, and cancelling or discarding drops the rest.
 */
import test from 'ava';
import { HioError } from '../../src/core/errors.js';
import { Hict } from '../../src/core/hict.js';
import { RequestBody } from '../../src/http/request-body.js';

test('RequestBody hands bytes over in order, whole or as they come, and counts what it holds', async (t) => {
  let told = 0;
  const body = new RequestBody(new Hict(), () => (told += 1));
  t.false(body.wanted);
  body.push(Buffer.from('ab'));
  body.push(Buffer.from('cd'));
  t.is(body.buffered, 4);
  t.is(told, 0, 'nothing is asked before the reader wants the body');
  const whole = body.bytes();
  t.true(body.wanted);
  t.is(told, 1);
  t.is(body.buffered, 0);
  body.push(Buffer.from('ef'));
  body.end();
  body.push(Buffer.from('late'));
  t.is((await whole).toString(), 'abcdef');
  t.is(body.received, 6, 'nothing after the end');
  t.true(body.ended);
  t.is(told, 1, 'told once');
});

test('RequestBody tells the steward when bytes are taken after it blocked for room', (t) => {
  let told = 0;
  const body = new RequestBody(new Hict(), () => (told += 1));
  body.push(Buffer.from('x'));
  t.is(body.take().length, 1);
  t.is(told, 1, 'wanted');
  body.push(Buffer.from('y'));
  body.take();
  t.is(told, 1, 'no block, nothing to tell');
  body.push(Buffer.from('z'));
  body.block();
  t.deepEqual(
    body.take().map((chunk) => chunk.toString()),
    ['z'],
  );
  t.is(told, 2, 'room made after a block');
  t.is(body.take().length, 0);
  t.is(told, 2);
});

test('RequestBody rejects its waiting and later readers once it fails, and drops what it held', async (t) => {
  const body = new RequestBody(new Hict());
  const waiting = body.bytes();
  body.push(Buffer.from('partial'));
  const error = new HioError('HIO_ERR_BODY_TIMEOUT');
  body.fail(error);
  body.fail(new Error('second'));
  t.is(await t.throwsAsync(waiting), error);
  t.is(body.error, error);
  t.is(body.buffered, 0);
  t.throws(() => body.take(), { is: error });
  await body.wait();
});

test('RequestBody#stream pulls only when read, ends with the body, and cancelling discards the rest', async (t) => {
  let told = 0;
  const body = new RequestBody(new Hict(), () => (told += 1));
  const stream = body.stream();
  body.push(Buffer.from('one'));
  t.is(told, 0, 'a stream made is not a body wanted');
  const reader = stream.getReader();
  const first = await reader.read();
  t.is(Buffer.from(first.value!).toString(), 'one');
  t.is(told, 1);
  const next = reader.read();
  body.push(Buffer.from('two'));
  t.is(Buffer.from((await next).value!).toString(), 'two');
  body.end();
  t.true((await reader.read()).done);

  const other = new RequestBody(new Hict());
  const cancelled = other.stream().getReader();
  other.push(Buffer.from('held'));
  await cancelled.cancel();
  t.true(other.discarding);
  t.is(other.buffered, 0);
  other.push(Buffer.from('dropped'));
  t.is(other.buffered, 0);
  t.is(other.received, 11);
  t.is((other.error as HioError).code, 'HIO_ERR_BODY_DISCARDED');
  other.discard();
});

test('RequestBody#stream errors when the body fails', async (t) => {
  const body = new RequestBody(new Hict());
  const reader = body.stream().getReader();
  const read = reader.read();
  body.fail(new HioError('HIO_ERR_CLIENT_GONE'));
  const error = await t.throwsAsync(read);
  t.is((error as HioError).code, 'HIO_ERR_CLIENT_GONE');
});
