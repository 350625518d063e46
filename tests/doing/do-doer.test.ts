import test from 'ava';
import { Doist } from '../../src/doing/doist.js';
import { DoDoer } from '../../src/doing/do-doer.js';
import { Tymist } from '../../src/core/tymist.js';
import { HioError } from '../../src/core/errors.js';
import { Recorder, RecordingDoDoer, brief, type Trace } from '../helpers/recorder.js';

function recurTymes(trace: Trace, name: string): number[] {
  return trace.filter((entry) => entry.name === name && entry.context === 'recur').map((entry) => entry.tyme);
}

test("DoDoer nests on its parent's tyme: hio's two-level timing example", (t) => {
  const trace: Trace = [];
  const a0 = new Recorder(trace, { name: 'a0', tock: 0, runs: 4 });
  const a1 = new Recorder(trace, { name: 'a1', tock: 0.0625, runs: 4 });
  const b0 = new Recorder(trace, { name: 'b0', tock: 0, runs: 4 });
  const b1 = new Recorder(trace, { name: 'b1', tock: 0.125, runs: 4 });
  const a = new RecordingDoDoer(trace, { name: 'A', tock: 0, doers: [a0, a1] });
  const b = new RecordingDoDoer(trace, { name: 'B', tock: 0.0625, doers: [b0, b1] });
  const doist = new Doist({ tock: 0.03125, limit: 0.25 });
  t.false(doist.do([a, b]));
  t.deepEqual(recurTymes(trace, 'a0'), [0, 0.03125, 0.0625, 0.09375]);
  t.deepEqual(recurTymes(trace, 'a1'), [0, 0.0625, 0.125, 0.1875]);
  t.deepEqual(recurTymes(trace, 'b0'), [0, 0.0625, 0.125, 0.1875]);
  t.deepEqual(recurTymes(trace, 'b1'), [0, 0.125]);
  t.true(a.done);
  t.false(b.done);
  t.true(a0.done && a1.done && b0.done);
  t.false(b1.done);
  const aEnd = brief(trace).filter((entry) => entry.startsWith('A:') && !entry.startsWith('A:recur'));
  t.deepEqual(aEnd, ['A:enter@0', 'A:clean@0.1875', 'A:exit@0.1875']);
  t.deepEqual(brief(trace).slice(-4), ['B:close@0.25', 'b1:close@0.25', 'b1:exit@0.25', 'B:exit@0.25']);
  t.deepEqual(brief(trace).slice(0, 7), ['A:enter@0', 'a0:enter@0', 'a1:enter@0', 'B:enter@0', 'b0:enter@0', 'b1:enter@0', 'A:recur@0']);
});

test('DoDoer with no children finishes on its first run', (t) => {
  const trace: Trace = [];
  const dodoer = new RecordingDoDoer(trace, { name: 'D' });
  t.true(new Doist({ tock: 1 }).do([dodoer]));
  t.deepEqual(brief(trace), ['D:enter@0', 'D:recur@0', 'D:clean@0', 'D:exit@0']);
  t.true(dodoer.done);
});

test('DoDoer with always keeps running with no children until closed, then ends not done', (t) => {
  const trace: Trace = [];
  const child = new Recorder(trace, { name: 'c', runs: 1 });
  const dodoer = new RecordingDoDoer(trace, { name: 'D', always: true, doers: [child] });
  t.false(new Doist({ tock: 1, limit: 3 }).do([dodoer]));
  t.deepEqual(brief(trace), ['D:enter@0', 'c:enter@0', 'D:recur@0', 'c:recur@0', 'c:clean@0', 'c:exit@0', 'D:recur@1', 'D:recur@2', 'D:close@3', 'D:exit@3']);
  t.true(child.done);
  t.false(dodoer.done);
});

test('DoDoer closed: its own close first, then its children in reverse order of entry', (t) => {
  const trace: Trace = [];
  const first = new Recorder(trace, { name: 'x' });
  const second = new Recorder(trace, { name: 'y' });
  const dodoer = new RecordingDoDoer(trace, { name: 'D', doers: [first, second] });
  const dog = dodoer.do(new Tymist().tymen(), 0);
  dog.next();
  dog.next(0);
  dog.return(undefined);
  t.deepEqual(brief(trace), [
    'D:enter@0',
    'x:enter@0',
    'y:enter@0',
    'D:recur@0',
    'x:recur@0',
    'y:recur@0',
    'D:close@0',
    'y:close@0',
    'y:exit@0',
    'x:close@0',
    'x:exit@0',
    'D:exit@0',
  ]);
  t.false(first.done);
});

test('DoDoer aborted by a failing child: abort, then the other children close in reverse order', (t) => {
  const trace: Trace = [];
  const first = new Recorder(trace, { name: 'x' });
  const failing = new Recorder(trace, {
    name: 'f',
    onRecur: () => {
      throw new Error('child failed');
    },
  });
  const third = new Recorder(trace, { name: 'z' });
  const dodoer = new RecordingDoDoer(trace, { name: 'D', doers: [first, failing, third] });
  const outside = new Recorder(trace, { name: 'o' });
  t.throws(() => new Doist().do([outside, dodoer]), { message: 'child failed' });
  t.deepEqual(brief(trace), [
    'o:enter@0',
    'D:enter@0',
    'x:enter@0',
    'f:enter@0',
    'z:enter@0',
    'o:recur@0',
    'D:recur@0',
    'x:recur@0',
    'f:recur@0',
    'f:abort@0',
    'f:exit@0',
    'D:abort@0',
    'z:close@0',
    'z:exit@0',
    'x:close@0',
    'x:exit@0',
    'D:exit@0',
    'o:close@0',
    'o:exit@0',
  ]);
});

test('DoDoer#extend and #remove work during its pass, a child removing itself included', (t) => {
  const trace: Trace = [];
  const late = new Recorder(trace, { name: 'late', runs: 1 });
  let dodoer: DoDoer | null = null;
  const self = new Recorder(trace, {
    name: 's',
    onRecur: (run, me) => {
      if (run === 1) dodoer?.extend([late]);
      if (run === 2) dodoer?.remove([me]);
    },
  });
  dodoer = new DoDoer({ doers: [self], tock: 0 });
  t.true(new Doist({ tock: 1 }).do([dodoer]));
  t.deepEqual(brief(trace), ['s:enter@0', 's:recur@0', 'late:enter@0', 'late:recur@1', 'late:clean@1', 'late:exit@1', 's:recur@1', 's:close@1', 's:exit@1']);
  t.is(dodoer.size, 0);
  t.deepEqual(dodoer.doers, [late]);
});

test('DoDoer children wake the DoDoer and through it the Doist', (t) => {
  const child = new Recorder([], { name: 'c', tock: 100 });
  const dodoer = new DoDoer({ doers: [child], tock: 50 });
  const doist = new Doist({ tock: 1 });
  doist.extend([dodoer]);
  doist.recur();
  doist.recur();
  t.is(child.runs, 1);
  child.wake();
  doist.recur();
  t.is(child.runs, 2);
  doist.exit();
});

test('DoDoer#doers can be replaced between runs, and unknown options are rejected', (t) => {
  const trace: Trace = [];
  const dodoer = new DoDoer({ doers: [new Recorder(trace, { name: 'old', runs: 1 })] });
  dodoer.doers = [new Recorder(trace, { name: 'new', runs: 1 })];
  t.true(new Doist().do([dodoer]));
  t.deepEqual(
    brief(trace).map((entry) => entry.split(':')[0]),
    ['new', 'new', 'new', 'new'],
  );
  t.is(t.throws(() => new DoDoer({ alway: true } as never), { instanceOf: HioError }).code, 'HIO_ERR_INVALID_OPTION');
});
