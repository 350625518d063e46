/** The self-driving Patron on a clock the test moves (sleep and after when closed or undriven), and PatronResponse body rules. */
import test from 'ava';
import { Patron } from '../../src/http/patron.js';
import { PatronResponse } from '../../src/http/patron-response.js';
import { ManualClock } from '../../src/testing/manual-clock.js';

async function turns(count = 5): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
}

test('Patron: sleep() on a closed Patron settles (it stayed pending forever)', async (t) => {
  const clock = new ManualClock();
  const patron = new Patron({ clock });
  patron.close();
  let outcome = 'pending';
  patron.sleep(0.1).then(
    () => (outcome = 'resolved'),
    (error: unknown) => (outcome = `rejected ${(error as { code?: string }).code}`),
  );
  await turns();
  clock.advance(1);
  await turns();
  t.log(outcome);
  t.not(outcome, 'pending');
});

test('Patron: after() on a Patron nobody drives fires its callback (self-driving)', async (t) => {
  const clock = new ManualClock();
  const patron = new Patron({ clock });
  let fired = false;
  patron.after(0.1, () => (fired = true));
  await turns();
  clock.advance(1);
  await turns();
  t.log(`fired ${fired}`);
  t.true(fired);
  patron.close();
});

test('Patron: text() strips a UTF-8 BOM like the standard Response', async (t) => {
  const bytes = Buffer.from('\ufeffhi', 'utf8');
  const ours = new PatronResponse({ bytes }, { status: 200 }, 'http://x/', false);
  t.is(await ours.text(), await new Response(bytes).text());
});

test('Patron: clone() of a response read through body methods throws, and body after text() is a locked used-up stream', async (t) => {
  const ours = new PatronResponse({ bytes: Buffer.from('abc') }, { status: 200 }, 'http://x/', false);
  const copy = ours.clone();
  t.is(await ours.text(), 'abc');
  t.is(await copy.text(), 'abc');
  t.true(ours.bodyUsed);
  t.throws(() => ours.clone(), { instanceOf: TypeError });
  const std = new Response('abc');
  await std.text();
  t.is(ours.body?.locked, std.body?.locked);
});

test('Patron: reading a clone of a streamed response first leaves the original readable (it was marked used)', async (t) => {
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      controller.enqueue(new TextEncoder().encode('abc'));
      controller.close();
    },
  });
  const ours = new PatronResponse({ stream }, { status: 200 }, 'http://x/', false);
  const copy = ours.clone();
  t.is(await copy.text(), 'abc');
  t.false(ours.bodyUsed, 'the original counts as used after only its clone was read');
  t.is(await ours.text(), 'abc');
});
