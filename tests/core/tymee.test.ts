import test from 'ava';
import { Tymee } from '../../src/core/tymee.js';
import { Tymist } from '../../src/core/tymist.js';
import { HioError } from '../../src/core/errors.js';

test('Tymee without a tymth cannot read tyme', (t) => {
  const tymee = new Tymee();
  t.is(tymee.tymth, null);
  t.is(t.throws(() => tymee.tyme, { instanceOf: HioError }).code, 'HIO_ERR_NO_TYMTH');
});

test('Tymee#wind makes tyme follow the new Tymist', (t) => {
  const first = new Tymist({ tock: 1 });
  const second = new Tymist({ tyme: 100, tock: 1 });
  const tymee = new Tymee(first.tymen());
  first.tick();
  t.is(tymee.tyme, 1);
  tymee.wind(second.tymen());
  t.is(tymee.tyme, 100);
  second.tick();
  first.tick();
  t.is(tymee.tyme, 101);
});
