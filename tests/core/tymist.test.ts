import test from 'ava';
import { DEFAULT_TOCK, Tymist } from '../../src/core/tymist.js';
import { HioError } from '../../src/core/errors.js';

test('Tymist starts at tyme 0 with tock 1/32', (t) => {
  const tymist = new Tymist();
  t.is(tymist.tyme, 0);
  t.is(tymist.tock, 0.03125);
  t.is(DEFAULT_TOCK, 0.03125);
});

test('Tymist#tick adds one tock, or the given step leaving tock unchanged', (t) => {
  const tymist = new Tymist({ tock: 1 });
  t.is(tymist.tick(), 1);
  t.is(tymist.tick(0.75), 1.75);
  t.is(tymist.tock, 1);
  tymist.tock = 0.5;
  t.is(tymist.tick(), 2.25);
  t.is(tymist.tyme, 2.25);
});

test('Tymist#tymen returns a closure that sees later ticks', (t) => {
  const tymist = new Tymist({ tyme: 10, tock: 2 });
  const tymth = tymist.tymen();
  t.is(tymth(), 10);
  tymist.tick();
  t.is(tymth(), 12);
  tymist.tyme = 3;
  t.is(tymth(), 3);
});

test('Tymist rejects unknown options and invalid tocks', (t) => {
  const unknown = t.throws(() => new Tymist({ tock: 1, tymeout: 2 } as never), { instanceOf: HioError });
  t.is(unknown.code, 'HIO_ERR_INVALID_OPTION');
  t.is(t.throws(() => new Tymist({ tock: -1 }), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  t.is(t.throws(() => new Tymist({ tyme: Number.NaN }), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  const tymist = new Tymist();
  t.is(t.throws(() => tymist.tick(Number.NaN), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  t.is(
    t.throws(
      () => {
        tymist.tock = Infinity;
      },
      { instanceOf: HioError },
    ).code,
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(
    t.throws(
      () => {
        tymist.tyme = Infinity;
      },
      { instanceOf: HioError },
    ).code,
    'HIO_ERR_INVALID_OPTION',
  );
});

test('Tymist options with undefined values count as absent', (t) => {
  const tymist = new Tymist({ tock: undefined } as never);
  t.is(tymist.tock, DEFAULT_TOCK);
});
