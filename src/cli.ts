#!/usr/bin/env node
/**
 * @module
 * The `hio` command. For now it demonstrates the scheduler: three doers at
 * different tocks under one Doist, each printing a line of trace when it
 * runs, in virtual tyme (instant) and then for one real second.
 */
import { Doist } from './doing/doist.js';
import { Doer } from './doing/doer.js';
import { doify } from './doing/doify.js';
import type { Dog } from './doing/doable.js';

/** A doer that prints its contexts and finishes after `runs` runs. */
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

console.log('virtual tyme: Doist tock 0.25, limit 2.0 (runs instantly)');
new Doist({ tock: 0.25 }).do([new Talker('fast', 0.25, 6), new Talker('slow', 1, 5), doify(heartbeat, { tock: 0.5 })], { limit: 2 });

console.log('\nreal tyme: the same doers for one second of wall-clock time');
await new Doist({ tock: 0.25, real: true }).run([new Talker('fast', 0.25, 6), new Talker('slow', 1, 5), doify(heartbeat, { tock: 0.5 })], { limit: 1 });
