import test from 'ava';
import { errorCodes, HioError, HttpParseError } from '../../src/core/errors.js';

test('HioError carries a stable code, a default message from the catalogue and a cause', (t) => {
  const cause = new Error('inner');
  const error = new HioError('HIO_ERR_NO_TYMTH', undefined, { cause });
  t.is(error.code, 'HIO_ERR_NO_TYMTH');
  t.is(error.message, errorCodes.HIO_ERR_NO_TYMTH);
  t.is(error.cause, cause);
  t.true(error instanceof Error);
});

test('HttpParseError carries the status to answer with', (t) => {
  const error = new HttpParseError('HIO_ERR_LINE_TOO_LONG', 414, 'request line over 8192 bytes');
  t.is(error.status, 414);
  t.is(error.code, 'HIO_ERR_LINE_TOO_LONG');
  t.true(error instanceof HioError);
  t.is(error.name, 'HttpParseError');
});

test('every error code is namespaced and described', (t) => {
  for (const [code, description] of Object.entries(errorCodes)) {
    t.regex(code, /^HIO_ERR_[A-Z_]+$/);
    t.true(description.length > 10);
  }
});
