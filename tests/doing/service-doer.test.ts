import test from 'ava';
import { Doist } from '../../src/doing/doist.js';
import { ClientDoer, ServantDoer, ServiceDoer, type Serviceable } from '../../src/doing/service-doer.js';
import type { Tymth } from '../../src/core/tymist.js';

/** A component that records every call with the tyme it happened at. */
class Component implements Serviceable {
  readonly calls: string[] = [];
  waker: (() => void) | null = null;
  due = Infinity;
  #tymth: Tymth = () => NaN;

  wind(tymth: Tymth): void {
    this.#tymth = tymth;
    this.calls.push(`wind@${tymth()}`);
  }

  reopen(): void {
    this.calls.push(`reopen@${this.#tymth()}`);
  }

  service(): void {
    this.calls.push(`service@${this.#tymth()}`);
  }

  close(): void {
    this.calls.push(`close@${this.#tymth()}`);
  }

  nextDue(): number {
    return this.due;
  }
}

test('ServiceDoer maps enter to wind and reopen, recur to service, exit to close', (t) => {
  const component = new Component();
  component.due = 0;
  const doer = new ServiceDoer(component);
  new Doist({ tock: 0.5 }).do([doer], { limit: 1 });
  t.deepEqual(component.calls, ['wind@0', 'reopen@0', 'service@0', 'service@0.5', 'close@1']);
  t.is(component.waker, null);
});

test('ServiceDoer paced by nextDue sleeps until the component is due and wakes on its waker', (t) => {
  const component = new Component();
  component.due = 2;
  const doer = new ServantDoer(component);
  const doist = new Doist({ tock: 0.25 });
  doist.extend([doer]);
  for (let i = 0; i < 12; i++) {
    if (doist.tyme === 1) component.waker?.();
    doist.recur();
  }
  doist.exit();
  // Runs at 0, then at 1 (woken), then at 2 (due), then never (due stays 2, in the past: every pass).
  const services = component.calls.filter((call) => call.startsWith('service')).slice(0, 4);
  t.deepEqual(services, ['service@0', 'service@1', 'service@2', 'service@2.25']);
  t.is(doer.name, 'ServantDoer');
});

test('ServiceDoer with a component due only on events sleeps until woken', (t) => {
  const component = new Component();
  const doer = new ClientDoer(component);
  const doist = new Doist({ tock: 1 });
  doist.extend([doer]);
  for (let i = 0; i < 5; i++) doist.recur();
  t.is(doer.tock, Infinity);
  component.waker?.();
  doist.recur();
  doist.exit();
  t.deepEqual(
    component.calls.filter((call) => call.startsWith('service')),
    ['service@0', 'service@5'],
  );
});

test('ServiceDoer unpaced runs on every pass whatever the component says', (t) => {
  const component = new Component();
  const doer = new ServiceDoer(component, { paced: false });
  new Doist({ tock: 1 }).do([doer], { limit: 3 });
  t.deepEqual(
    component.calls.filter((call) => call.startsWith('service')),
    ['service@0', 'service@1', 'service@2'],
  );
  t.is(doer.tock, 0);
});
