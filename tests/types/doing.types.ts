/**
 * Type tests: checked by `tsc -p tsconfig.json` (part of `npm test`), never
 * run. Each `@ts-expect-error` line must fail to type-check; if it ever
 * compiles, tsc reports the unused directive and the build fails.
 */
import { Doist } from '../../src/doing/doist.js';
import { Doer } from '../../src/doing/doer.js';
import { DoDoer } from '../../src/doing/do-doer.js';
import { doify, doize } from '../../src/doing/doify.js';
import type { Dog } from '../../src/doing/doable.js';
import { Tymist } from '../../src/core/tymist.js';
import { Tymer } from '../../src/core/tymer.js';

// A doer yields tocks (numbers), never strings.
// @ts-expect-error a doer yielding a string
doify(function* (): Generator<string, boolean, number> {
  yield 'not a tock';
  return true;
});

// @ts-expect-error a doer function whose dog yields a string
export const stringDog: Dog = (function* () {
  yield 'x';
})();

// Unknown options are type errors (hio silently accepted them).
// @ts-expect-error Doist has no `always`
new Doist({ always: true });
// @ts-expect-error do() takes limit and tyme only
new Doist().do([], { real: true });
// @ts-expect-error Tymist has no tymeout
new Tymist({ tymeout: 1 });
// @ts-expect-error Tymer takes duration, not timeout
new Tymer({ timeout: 1 });
doify(
  function* (): Dog {
    yield 0;
  },
  // @ts-expect-error doify takes tock, name and opts
  { tick: 1 },
);
// @ts-expect-error doize takes tock, name and opts
doize({ limit: 1 });
// @ts-expect-error DoDoer has always, not alway
new DoDoer({ alway: true });

// recur returns a boolean "done".
export class WrongRecur extends Doer {
  // @ts-expect-error recur must return boolean
  protected override recur(): string {
    return 'done';
  }
}

// The opts of doify flow into the context with their type.
doify(
  function* ({ opts }): Dog {
    const count: number = opts.count;
    // @ts-expect-error opts.count is a number
    const text: string = opts.count;
    yield count + text.length;
  },
  { opts: { count: 1 } },
);

// Valid uses compile.
new Doist({ tock: 0.5, real: false, limit: 1, doers: [new Doer()] }).do(undefined, { limit: 1, tyme: 0 });
export const runs: Promise<boolean> = new Doist().run([], { real: false, signal: new AbortController().signal });
