/**
 * The README's WebSocket example, run as it stands: ws on a hio-ts server in
 * a child process on port 0, spoken to by ws's client, then stopped with
 * SIGINT (the open WebSockets closed with 1001, then a graceful drain).
 */
import test from 'ava';
import { WebSocket } from 'ws';
import { startExample } from '../helpers/readme.js';

test('README WebSocket example echoes messages over ws and drains on SIGINT', async (t) => {
  t.timeout(30_000);
  const example = await startExample('websocket');
  try {
    const plain = await fetch(example.url, { signal: AbortSignal.timeout(10_000) });
    t.is(await plain.text(), 'a WebSocket echo lives here\n');
    const client = new WebSocket(example.url.replace('http:', 'ws:'));
    const echoed = await new Promise<string>((resolve, reject) => {
      client.on('open', () => client.send('over the tunnel'));
      client.on('message', (data) => resolve(String(data)));
      client.on('error', reject);
    });
    t.is(echoed, 'over the tunnel');
    const closed = new Promise<number>((resolve) => client.on('close', (code) => resolve(code)));
    client.close(1000);
    t.is(await closed, 1000);
    // One left open when SIGINT comes: the example says goodbye (1001) before the drain ends.
    const lingering = new WebSocket(example.url.replace('http:', 'ws:'));
    await new Promise<void>((resolve, reject) => {
      lingering.on('open', () => resolve());
      lingering.on('error', reject);
    });
    const goodbye = new Promise<number>((resolve) => lingering.on('close', (code) => resolve(code)));
    t.deepEqual(await example.stop(), { code: 0, errors: '' });
    t.is(await goodbye, 1001);
  } finally {
    example.kill();
  }
});
