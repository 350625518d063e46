import test from 'ava';
import { Tymist } from '../../src/core/tymist.js';
import { ReRecorder, brief, type Trace } from '../helpers/recorder.js';
import { ReDoer } from '../../src/doing/re-doer.js';

test('ReDoer delegates to its recur generator and takes its return value as done', (t) => {
  const tymist = new Tymist({ tock: 0.5 });
  const trace: Trace = [];
  const doer = new ReRecorder(trace, { name: 'r', tock: 0.5, runs: 2 });
  const dog = doer.do(tymist.tymen(), 0.5);
  t.deepEqual(dog.next(), { value: 0.5, done: false });
  tymist.tick();
  t.deepEqual(dog.next(tymist.tyme), { value: 0.5, done: false });
  tymist.tick();
  t.deepEqual(dog.next(tymist.tyme), { value: true, done: true });
  t.deepEqual(brief(trace), ['r:enter@0', 'r:recur@0.5', 'r:recur@1', 'r:clean@1', 'r:exit@1']);
  t.deepEqual(
    trace.filter((entry) => entry.context === 'recur').map((entry) => entry.feed),
    [0.5, 1],
  );
  t.true(doer.done);
});

test('ReDoer runs close then exit on a forced return()', (t) => {
  const tymist = new Tymist();
  const trace: Trace = [];
  const dog = new ReRecorder(trace, { name: 'r' }).do(tymist.tymen(), 0);
  dog.next();
  dog.next(0);
  dog.return(undefined);
  t.deepEqual(brief(trace), ['r:enter@0', 'r:recur@0', 'r:close@0', 'r:exit@0']);
});

test('ReDoer runs abort then exit when its recur generator throws', (t) => {
  class Failing extends ReDoer {
    readonly contexts: string[] = [];
    protected override *recur(): Generator<number, boolean, number> {
      yield 0;
      throw new Error('inner');
    }
    protected override abort(error: unknown): void {
      this.contexts.push(`abort:${(error as Error).message}`);
    }
    protected override exit(): void {
      this.contexts.push('exit');
    }
  }
  const doer = new Failing();
  const dog = doer.do(new Tymist().tymen(), 0);
  dog.next();
  t.throws(() => dog.next(0), { message: 'inner' });
  t.deepEqual(doer.contexts, ['abort:inner', 'exit']);
});

test('ReDoer whose recur returns nothing ends not done', (t) => {
  class Quiet extends ReDoer {
    protected override *recur(): Generator<number, void, number> {
      yield 0;
    }
  }
  const doer = new Quiet();
  const dog = doer.do(new Tymist().tymen(), 0);
  dog.next();
  t.deepEqual(dog.next(0), { value: false, done: true });
  t.false(doer.done);
});
