import test from 'ava';
import { checkAddress, formatAddress } from '../../src/net/address.js';
import { netError, toNetError } from '../../src/net/net-error.js';
import { HioError } from '../../src/core/errors.js';

test('formatAddress brackets IPv6 literals', (t) => {
  t.is(formatAddress({ host: '127.0.0.1', port: 80 }), '127.0.0.1:80');
  t.is(formatAddress({ host: '::1', port: 8080 }), '[::1]:8080');
});

test('checkAddress rejects empty hosts and ports outside [0, 65535]', (t) => {
  t.deepEqual(checkAddress('x', { host: 'a', port: 0 }), { host: 'a', port: 0 });
  t.is(t.throws(() => checkAddress('x', { host: '', port: 1 }), { instanceOf: HioError }).code, 'HIO_ERR_NET_ADDRESS');
  t.is(t.throws(() => checkAddress('x', { host: 'a', port: 65536 }), { instanceOf: HioError }).code, 'HIO_ERR_NET_ADDRESS');
  t.is(t.throws(() => checkAddress('x', { host: 'a', port: 1.5 }), { instanceOf: HioError }).code, 'HIO_ERR_NET_ADDRESS');
});

test('netError makes errors shaped like Node socket errors; toNetError keeps coded errors and wraps others', (t) => {
  const error = netError('ECONNRESET', 'read', 'by peer');
  t.is(error.code, 'ECONNRESET');
  t.is(error.syscall, 'read');
  t.is(toNetError(error, 'write'), error);
  const plain = new Error('odd');
  const wrapped = toNetError(plain, 'write');
  t.is(wrapped.code, 'EIO');
  t.is((wrapped as { cause?: unknown }).cause, plain);
  t.is(toNetError('text', 'write').code, 'EIO');
});
