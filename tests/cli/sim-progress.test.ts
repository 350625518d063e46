/**
 * The progress of a sweep: a bar redrawn in place on a terminal, at most
 * ten times a second; a line each tenth elsewhere; nothing when quiet.
 */
import test from 'ava';
import { SweepProgress } from '../../src/cli/sim-progress.js';

function stream(isTTY: boolean): { written: string[]; write(text: string): boolean; isTTY: boolean } {
  return {
    written: [],
    isTTY,
    write(text: string): boolean {
      this.written.push(text);
      return true;
    },
  };
}

test('SweepProgress prints a line at each tenth when not on a terminal', (t) => {
  const out = stream(false);
  const progress = new SweepProgress(out, 200, true);
  for (let done = 0; done <= 200; done += 5) progress.update(done, done > 100 ? 1 : 0);
  t.is(out.written.length, 10);
  t.regex(out.written[0]!, /^hio sim: 10% \(20\/200 seeds, 0 failed, [\d.]+ s\)\n$/);
  t.regex(out.written[9]!, /^hio sim: 100% \(200\/200 seeds, 1 failed/);
  progress.finish();
  t.is(out.written.length, 10);
});

test('SweepProgress draws one bar in place on a terminal, throttled, and clears it for a line', (t) => {
  const out = stream(true);
  const progress = new SweepProgress(out, 100, true);
  progress.update(10, 0);
  // Within the same tenth of a second: not redrawn.
  progress.update(20, 0);
  t.is(out.written.length, 1);
  t.regex(out.written[0]!, /^\rhio sim \[#+\.+\] 10\/100 10% {2}0 failed/);
  t.false(out.written[0]!.includes('\n'));
  progress.clear();
  t.is(out.written[1], '\r\x1b[K');
  // Cleared: the next update draws again at once.
  progress.update(30, 1);
  t.regex(out.written[2]!, /30\/100 30% {2}1 failed/);
});

test('SweepProgress writes nothing when quiet', (t) => {
  const out = stream(true);
  const progress = new SweepProgress(out, 100, false);
  progress.update(50, 0);
  progress.clear();
  progress.finish();
  t.deepEqual(out.written, []);
});
