import test from 'ava';
import { Tymer } from '../../src/core/tymer.js';
import { Tymist } from '../../src/core/tymist.js';
import { HioError } from '../../src/core/errors.js';

test('Tymer defaults to duration 0 and is already expired', (t) => {
  const tymist = new Tymist({ tyme: 5 });
  const tymer = new Tymer({ tymth: tymist.tymen() });
  t.is(tymer.duration, 0);
  t.is(tymer.startTyme, 5);
  t.true(tymer.expired);
});

test('Tymer without a tymth starts at 0 and throws on reading tyme', (t) => {
  const tymer = new Tymer({ duration: 2 });
  t.is(tymer.startTyme, 0);
  t.is(tymer.stopTyme, 2);
  t.is(t.throws(() => tymer.expired, { instanceOf: HioError }).code, 'HIO_ERR_NO_TYMTH');
});

test('Tymer reports elapsed, remaining and expired with the boundary counting as expired', (t) => {
  const tymist = new Tymist({ tock: 0.25 });
  const tymer = new Tymer({ tymth: tymist.tymen(), duration: 1 });
  t.is(tymer.elapsed, 0);
  t.is(tymer.remaining, 1);
  t.false(tymer.expired);
  tymist.tick(0.75);
  t.is(tymer.elapsed, 0.75);
  t.is(tymer.remaining, 0.25);
  t.false(tymer.expired);
  tymist.tick();
  t.true(tymer.expired);
  t.is(tymer.remaining, 0);
  tymist.tick();
  t.is(tymer.remaining, -0.25);
});

test('Tymer start may lie in the future, giving a negative elapsed', (t) => {
  const tymist = new Tymist();
  const tymer = new Tymer({ tymth: tymist.tymen(), duration: 1, start: 2 });
  t.is(tymer.elapsed, -2);
  t.is(tymer.remaining, 3);
});

test('Tymer#restart loses no time: it begins at the old stop', (t) => {
  const tymist = new Tymist();
  const tymer = new Tymer({ tymth: tymist.tymen(), duration: 1 });
  tymist.tick(1.25);
  tymer.restart();
  t.is(tymer.startTyme, 1);
  t.is(tymer.elapsed, 0.25);
  t.is(tymer.remaining, 0.75);
  tymer.restart(2);
  t.is(tymer.startTyme, 2);
  t.is(tymer.duration, 2);
  t.is(tymer.remaining, 2.75);
});

test('Tymer#start begins from now, so a refresh after a long idle un-expires the timer', (t) => {
  const tymist = new Tymist();
  const tymer = new Tymer({ tymth: tymist.tymen(), duration: 1 });
  tymist.tick(10);
  t.true(tymer.expired);
  tymer.start();
  t.false(tymer.expired);
  t.is(tymer.remaining, 1);
  // Refreshing several times within one tick does not stack durations.
  tymer.start();
  tymer.start();
  t.is(tymer.stopTyme, 11);
  tymer.start(3, 4);
  t.is(tymer.startTyme, 4);
  t.is(tymer.stopTyme, 7);
});

test('Tymer#wind restarts on the new base keeping the duration', (t) => {
  const first = new Tymist();
  const second = new Tymist({ tyme: 50 });
  const tymer = new Tymer({ tymth: first.tymen(), duration: 2 });
  first.tick(1);
  tymer.wind(second.tymen());
  t.is(tymer.startTyme, 50);
  t.is(tymer.duration, 2);
  t.is(tymer.elapsed, 0);
});

test('Tymer rejects unknown options and negative durations', (t) => {
  t.is(t.throws(() => new Tymer({ timeout: 1 } as never), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  t.is(t.throws(() => new Tymer({ duration: -1 }), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  const tymer = new Tymer({ tymth: new Tymist().tymen() });
  t.is(t.throws(() => tymer.start(Number.NaN), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
});
