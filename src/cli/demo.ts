/**
 * @module
 * `hio demo`: the scheduler at work. Three doers at different tocks run
 * first under a virtual-tyme Doist (instantly, two seconds of tyme), then
 * under a real-mode one for one second of wall-clock time, each printing
 * its lifecycle contexts with the tyme they ran at.
 */
import type { Dog } from '../doing/doable.js';
import { Doer } from '../doing/doer.js';
import { doify } from '../doing/doify.js';
import { Doist } from '../doing/doist.js';
import { ExitStatus } from './exit-status.js';

/** A doer that prints its contexts and finishes after `limit` runs. */
class Talker extends Doer {
  #runs = 0;
  readonly #limit: number;

  constructor(name: string, tock: number, limit: number) {
    super({ name, tock });
    this.#limit = limit;
  }

  protected override enter(): void {
    console.log(`${this.tyme.toFixed(3)}  ${this.name.padEnd(8)} enter (tock ${this.tock})`);
  }

  protected override recur(tyme: number): boolean {
    this.#runs += 1;
    console.log(`${tyme.toFixed(3)}  ${this.name.padEnd(8)} recur ${this.#runs}`);
    return this.#runs >= this.#limit;
  }

  protected override exit(): void {
    console.log(`${this.tyme.toFixed(3)}  ${this.name.padEnd(8)} exit (${this.done ? 'done' : 'closed'})`);
  }
}

function* heartbeat(): Dog {
  for (let beat = 1; ; beat++) {
    const tyme = yield 0.5;
    console.log(`${tyme.toFixed(3)}  heart    beat ${beat}`);
  }
}

/** Runs the demo; resolves with the exit status (always ok). */
export async function demo(): Promise<ExitStatus> {
  console.log('virtual tyme: Doist tock 0.25, limit 2.0 (runs instantly)');
  new Doist({ tock: 0.25 }).do([new Talker('fast', 0.25, 6), new Talker('slow', 1, 5), doify(heartbeat, { tock: 0.5 })], { limit: 2 });
  console.log('\nreal tyme: the same doers for one second of wall-clock time');
  await new Doist({ tock: 0.25, real: true }).run([new Talker('fast', 0.25, 6), new Talker('slow', 1, 5), doify(heartbeat, { tock: 0.5 })], { limit: 1 });
  return ExitStatus.ok;
}
