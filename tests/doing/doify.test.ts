import test from 'ava';
import { Doist } from '../../src/doing/doist.js';
import { doify, doize, type DoContext } from '../../src/doing/doify.js';
import type { Dog } from '../../src/doing/doable.js';
import { HioError } from '../../src/core/errors.js';

function* counter(context: DoContext<{ runs: number; log: string[] }>): Dog {
  const { opts, tymth } = context;
  opts.log.push(`enter@${tymth()} tock=${context.tock}`);
  for (let run = 1; run <= opts.runs; run++) {
    const tyme = yield context.tock;
    opts.log.push(`run${run}@${tyme}`);
  }
  return true;
}

test('doify wraps a generator function in a doer called with tymth, tock and opts', (t) => {
  const log: string[] = [];
  const doer = doify(counter, { tock: 0.5, opts: { runs: 2, log } });
  t.is(doer.name, 'counter');
  t.is(doer.tock, 0.5);
  const doist = new Doist({ tock: 0.25 });
  t.true(doist.do([doer]));
  t.deepEqual(log, ['enter@0 tock=0.5', 'run1@0', 'run2@0.5']);
  t.true(doer.done);
});

test('doify gives independent doers for one function', (t) => {
  const logA: string[] = [];
  const logB: string[] = [];
  const a = doify(counter, { name: 'a', opts: { runs: 1, log: logA } });
  const b = doify(counter, { name: 'b', tock: 1, opts: { runs: 3, log: logB } });
  const doist = new Doist({ tock: 1 });
  doist.do([a, b], { limit: 2 });
  t.true(a.done);
  t.false(b.done);
  t.is(logA.length, 2);
  t.is(logB.length, 3);
  a.tock = 2;
  t.is(b.tock, 1);
});

test('doize makes a factory of fresh doers that share no state', (t) => {
  const log: string[] = [];
  const makeCounter = doize({ tock: 1, opts: { runs: 1, log } })(counter);
  const first = makeCounter();
  const second = makeCounter();
  t.not(first, second);
  new Doist({ tock: 1 }).do([first]);
  t.true(first.done);
  t.false(second.done);
});

test('a generator doer that returns nothing ends with done false', (t) => {
  const doer = doify(function* quiet(): Dog {
    yield 0;
  });
  t.true(new Doist().do([doer]));
  t.false(doer.done);
});

test('a generator doer can wake itself through its context', (t) => {
  let woken = 0;
  const doer = doify(function* waking({ doer: self }): Dog {
    self.wake();
    yield 0;
  });
  doer.attachWaker(() => {
    woken += 1;
  });
  doer.do(() => 0, 0).next();
  doer.wake();
  t.is(woken, 2);
});

test('doify and doize reject unknown options and bad tocks', (t) => {
  t.is(t.throws(() => doify(counter, { tick: 1 } as never), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  t.is(t.throws(() => doize({ tick: 1 } as never), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  const doer = doify(counter);
  t.is(
    t.throws(
      () => {
        doer.tock = -2;
      },
      { instanceOf: HioError },
    ).code,
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(
    doify(function* (): Dog {
      yield 0;
    }).name,
    'GeneratorDoer',
  );
});
