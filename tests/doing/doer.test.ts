import test from 'ava';
import { Tymist } from '../../src/core/tymist.js';
import { Doer } from '../../src/doing/doer.js';
import { HioError } from '../../src/core/errors.js';
import { Recorder, brief, type Trace } from '../helpers/recorder.js';

function setup(options: ConstructorParameters<typeof Recorder>[1] = {}): { tymist: Tymist; trace: Trace; doer: Recorder } {
  const tymist = new Tymist({ tock: 0.25 });
  const trace: Trace = [];
  return { tymist, trace, doer: new Recorder(trace, { name: 'd', ...options }) };
}

test('Doer#do makes a dog that runs nothing until its first next()', (t) => {
  const { tymist, trace, doer } = setup({ tock: 0.5 });
  const dog = doer.do(tymist.tymen(), 0.5);
  t.deepEqual(trace, []);
  t.deepEqual(dog.next(), { value: 0.5, done: false });
  t.deepEqual(brief(trace), ['d:enter@0']);
  t.false(doer.done);
});

test('Doer runs enter, recur…, clean, exit on a normal end and returns true', (t) => {
  const { tymist, trace, doer } = setup({ runs: 2 });
  const dog = doer.do(tymist.tymen(), 0);
  dog.next();
  tymist.tick();
  t.deepEqual(dog.next(tymist.tyme), { value: 0, done: false });
  tymist.tick();
  t.deepEqual(dog.next(tymist.tyme), { value: true, done: true });
  t.deepEqual(brief(trace), ['d:enter@0', 'd:recur@0.25', 'd:recur@0.5', 'd:clean@0.5', 'd:exit@0.5']);
  t.deepEqual(
    trace.filter((entry) => entry.context === 'recur').map((entry) => entry.feed),
    [0.25, 0.5],
  );
  t.true(doer.done);
  t.deepEqual(dog.next(1), { value: undefined, done: true });
});

test('Doer runs enter, recur…, close, exit on a forced return()', (t) => {
  const { tymist, trace, doer } = setup();
  const dog = doer.do(tymist.tymen(), 0);
  dog.next();
  dog.next(0);
  tymist.tick();
  t.deepEqual(dog.return(undefined), { value: undefined, done: true });
  t.deepEqual(brief(trace), ['d:enter@0', 'd:recur@0', 'd:close@0.25', 'd:exit@0.25']);
  t.false(doer.done);
  t.deepEqual(dog.next(1), { value: undefined, done: true });
});

test('Doer runs enter, recur…, abort, exit on an exception inside, which propagates', (t) => {
  const { tymist, trace, doer } = setup({
    onRecur: (run) => {
      if (run === 2) throw new Error('boom');
    },
  });
  const dog = doer.do(tymist.tymen(), 0);
  dog.next();
  dog.next(0);
  t.throws(() => dog.next(0.25), { message: 'boom' });
  t.deepEqual(brief(trace), ['d:enter@0', 'd:recur@0', 'd:recur@0', 'd:abort@0', 'd:exit@0']);
  t.deepEqual(dog.next(1), { value: undefined, done: true });
});

test('Doer runs enter, abort, exit on an exception in enter', (t) => {
  const { tymist, trace, doer } = setup({ failInEnter: new Error('enter failed') });
  const dog = doer.do(tymist.tymen(), 0);
  t.throws(() => dog.next(), { message: 'enter failed' });
  t.deepEqual(brief(trace), ['d:enter@0', 'd:abort@0', 'd:exit@0']);
});

test('Doer that sets done in enter skips recur, runs clean and exit and returns true without yielding', (t) => {
  const { tymist, trace, doer } = setup({ doneInEnter: true });
  const dog = doer.do(tymist.tymen(), 0);
  t.deepEqual(dog.next(), { value: true, done: true });
  t.deepEqual(brief(trace), ['d:enter@0', 'd:clean@0', 'd:exit@0']);
});

test('Doer re-reads its tock before every yield, so recur can change its pace', (t) => {
  const { tymist, doer } = setup({
    tock: 1,
    onRecur: (run, self) => {
      self.tock = run * 2;
    },
  });
  const dog = doer.do(tymist.tymen(), 1);
  t.is(dog.next().value, 1);
  t.is(dog.next(0).value, 2);
  t.is(dog.next(0).value, 4);
});

test('Doer#do winds the given tymth and tock and clears done', (t) => {
  const tymist = new Tymist({ tyme: 7 });
  const doer = new Doer({ tock: 3 });
  doer.done = true;
  const dog = doer.do(tymist.tymen(), 0.5);
  t.is(dog.next().value, 0.5);
  t.is(doer.tock, 0.5);
  t.is(doer.tyme, 7);
  t.false(doer.done);
  // The default recur never finishes.
  for (let run = 0; run < 5; run++) t.false(dog.next(7).done);
});

test('Doer rejects a negative tock', (t) => {
  t.is(t.throws(() => new Doer({ tock: -1 }), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
  const doer = new Doer();
  t.is(
    t.throws(
      () => {
        doer.tock = Number.NaN;
      },
      { instanceOf: HioError },
    ).code,
    'HIO_ERR_INVALID_OPTION',
  );
  t.is(doer.name, 'Doer');
});

test('Doer#wake does nothing while unscheduled and calls the attached waker while scheduled', (t) => {
  const doer = new Doer();
  doer.wake();
  let wakes = 0;
  doer.attachWaker(() => {
    wakes += 1;
  });
  doer.wake();
  doer.attachWaker(null);
  doer.wake();
  t.is(wakes, 1);
});
