/**
 * The transport conformance suite: the same tests, run against every
 * backend (node:net sockets and the simulated network) through a factory.
 * Tyme is virtual in both: a test steps the Doist, and the real backend also
 * lets Node's event loop turn once per step, so socket I/O makes progress.
 */
import test from 'ava';
import type { Doist } from '../../src/doing/doist.js';
import type { Address } from '../../src/net/address.js';
import type { Client } from '../../src/net/client.js';
import type { Remoter } from '../../src/net/connection.js';
import type { Servant } from '../../src/net/servant.js';
import { ClientDoer } from '../../src/doing/service-doer.js';
import { EchoDoer } from '../../src/testing/echo-doer.js';
import { pattern, step, until } from '../helpers/drive.js';

export interface ServantOptions {
  readonly tymeout?: number;
  readonly highWater?: number;
}

export interface ClientOptions {
  readonly reconnectable?: boolean;
  readonly reconnectTymeout?: number;
  readonly highWater?: number;
}

/** One backend under test. */
export interface Backend {
  readonly doist: Doist;
  /** Steps a test may take before giving up. */
  readonly maxSteps: number;
  servant(options?: ServantOptions): Servant;
  client(address: Address, options?: ClientOptions): Client;
  /** An address where nothing listens. */
  deadAddress(): Promise<Address>;
  dispose(): void;
}

const text = (bytes: Buffer): string => bytes.toString('latin1');

async function echoServer(backend: Backend, options: ServantOptions = {}): Promise<{ servant: Servant; echo: EchoDoer }> {
  const servant = backend.servant(options);
  const echo = new EchoDoer(servant);
  backend.doist.extend([echo]);
  await until(backend.doist, () => servant.opened, backend.maxSteps, 'servant opened');
  return { servant, echo };
}

function connect(backend: Backend, address: Address, options: ClientOptions = {}): Client {
  const client = backend.client(address, options);
  backend.doist.extend([new ClientDoer(client)]);
  return client;
}

/** Collects what arrives in a client's rxQueue until `length` bytes came. */
async function receive(backend: Backend, client: Client, length: number): Promise<string> {
  await until(backend.doist, () => client.rxQueue.length >= length || client.cutoff, backend.maxSteps, `${length} bytes`);
  return text(client.rxQueue.take(Math.min(length, client.rxQueue.length)));
}

function onlyRemoter(servant: Servant): Remoter | undefined {
  return [...servant.remoters.values()][0];
}

/** Registers the suite for one backend. */
export function servantConformance(name: string, factory: () => Promise<Backend>): void {
  const run = (title: string, body: (backend: Backend) => Promise<void>): void => {
    test(`${name}: ${title}`, async (t) => {
      t.timeout(60_000);
      const backend = await factory();
      try {
        await body(backend);
        t.pass();
      } finally {
        backend.dispose();
      }
    });
  };

  run('Servant listens on port 0 and reports the real port', async (backend) => {
    const servant = backend.servant();
    backend.doist.extend([new EchoDoer(servant)]);
    if (servant.opened) throw new Error('opened before a pass');
    await until(backend.doist, () => servant.opened, backend.maxSteps);
    if (servant.address.port === 0) throw new Error('port still 0 after opening');
  });

  run('echoes bytes back to a client', async (backend) => {
    const { servant } = await echoServer(backend);
    const client = connect(backend, servant.address);
    client.tx(Buffer.from('hello, world'));
    const echoed = await receive(backend, client, 12);
    if (echoed !== 'hello, world') throw new Error(`echoed ${JSON.stringify(echoed)}`);
    if (!client.connected || client.localAddress === null || client.remoteAddress === null) throw new Error('client addresses missing');
    const remoter = onlyRemoter(servant);
    if (remoter === undefined || remoter.remoteAddress === null) throw new Error('no remoter');
    if (remoter.remoteKey !== `${remoter.remoteAddress.host}:${remoter.remoteAddress.port}`) throw new Error(`remote key ${remoter.remoteKey}`);
  });

  run('moves 64 MiB each way with backpressure and bounded memory', async (backend) => {
    const { servant } = await echoServer(backend);
    const client = connect(backend, servant.address);
    const total = 64 * 1024 * 1024;
    const piece = 64 * 1024;
    const clientLimit = 512 * 1024;
    let sent = 0;
    let received = 0;
    let peakServer = 0;
    let peakClient = 0;
    let steps = 0;
    while (received < total) {
      if (steps++ > backend.maxSteps * 20) throw new Error(`stalled at ${received} of ${total} bytes`);
      while (sent < total && client.txPending < clientLimit) {
        client.tx(pattern(sent, piece));
        sent += piece;
      }
      await step(backend.doist);
      const remoter = onlyRemoter(servant);
      if (remoter !== undefined) peakServer = Math.max(peakServer, remoter.rxQueue.length + remoter.txPending);
      peakClient = Math.max(peakClient, client.rxQueue.length);
      const length = client.rxQueue.length;
      if (length > 0) {
        const bytes = client.rxQueue.take(length);
        if (!bytes.equals(pattern(received, length))) throw new Error(`corrupt bytes at offset ${received}`);
        received += length;
      }
      if (client.cutoff) throw new Error(`client cut off: ${client.error?.code ?? 'no error'}`);
    }
    // Memory held per connection stays within the high-water marks (512 KiB in, 512 KiB out) plus a read or two.
    if (peakServer > 1.5 * 1024 * 1024) throw new Error(`server held ${peakServer} bytes for one connection`);
    if (peakClient > 1024 * 1024) throw new Error(`client held ${peakClient} unread bytes`);
  });

  run('serves many connections at once', async (backend) => {
    const { servant } = await echoServer(backend);
    const clients = Array.from({ length: 100 }, () => connect(backend, servant.address));
    clients.forEach((client, index) => client.tx(Buffer.from(`message ${index};`)));
    await until(backend.doist, () => clients.every((client, index) => client.rxQueue.length >= `message ${index};`.length), backend.maxSteps, 'all echoes');
    clients.forEach((client, index) => {
      const echoed = text(client.rxQueue.take(client.rxQueue.length));
      if (echoed !== `message ${index};`) throw new Error(`client ${index} got ${echoed}`);
    });
    if (servant.remoters.size !== 100) throw new Error(`${servant.remoters.size} remoters`);
  });

  run(
    'txWritten counts what the network took: with txPending it makes every byte queued, it only grows, and it reaches the total once the peer reads',
    async (backend) => {
      const { servant, echo } = await echoServer(backend);
      const client = connect(backend, servant.address);
      const total = 4 * 1024 * 1024;
      for (let offset = 0; offset < total; offset += 65536) client.tx(pattern(offset, 65536));
      let last = 0;
      const check = (): void => {
        if (client.txWritten + client.txPending !== total) throw new Error(`${client.txWritten} written + ${client.txPending} pending is not ${total} queued`);
        if (client.txWritten < last) throw new Error(`txWritten went back from ${last} to ${client.txWritten}`);
        last = client.txWritten;
        const remoter = onlyRemoter(servant);
        if (remoter !== undefined && remoter.txWritten + remoter.txPending !== echo.echoed) throw new Error('the remoter lost count of its echo');
        if (client.cutoff) throw new Error(`client cut off: ${client.error?.code ?? 'no error'}`);
      };
      // The client first reads nothing back: the echo stalls and the client's bytes wait; then it reads.
      for (let steps = 0; steps < 50; steps++) {
        check();
        await step(backend.doist);
      }
      await until(
        backend.doist,
        () => {
          check();
          client.rxQueue.clear();
          return client.txWritten === total;
        },
        backend.maxSteps * 20,
        'all written',
      );
      if (client.txPending !== 0) throw new Error(`${client.txPending} bytes pending after all were written`);
      client.close();
      if (client.txWritten !== total) throw new Error('closing changed the count');
    },
  );

  run('a half-closed client still gets its response, then both ends close', async (backend) => {
    const { servant } = await echoServer(backend);
    const client = connect(backend, servant.address);
    client.tx(Buffer.from('last words'));
    client.shutdownSend();
    await until(backend.doist, () => client.rxEnded, backend.maxSteps, 'server half-close');
    const echoed = text(client.rxQueue.take(client.rxQueue.length));
    if (echoed !== 'last words') throw new Error(`got ${JSON.stringify(echoed)}`);
    await until(backend.doist, () => client.cutoff && servant.remoters.size === 0, backend.maxSteps, 'both closed');
    if (client.error !== null) throw new Error(`unexpected error ${client.error.code}`);
    client.tx(Buffer.from('too late'));
    if ((client.error as { code?: string } | null)?.code !== 'EPIPE') throw new Error('tx after close did not report EPIPE');
  });

  run('a peer reset mid-transfer cuts the remoter off with ECONNRESET', async (backend) => {
    const { servant, echo } = await echoServer(backend);
    const client = connect(backend, servant.address);
    for (let offset = 0; offset < 1024 * 1024; offset += 65536) client.tx(pattern(offset, 65536));
    await until(backend.doist, () => echo.echoed > 0, backend.maxSteps, 'some bytes echoed');
    const remoter = onlyRemoter(servant);
    if (remoter === undefined) throw new Error('no remoter');
    client.reset();
    if (!client.cutoff || !client.closed) throw new Error('reset client not cut off');
    await until(backend.doist, () => remoter.cutoff, backend.maxSteps, 'remoter cut off');
    if (remoter.error?.code !== 'ECONNRESET') throw new Error(`remoter error ${remoter.error?.code ?? 'none'}`);
    await until(backend.doist, () => servant.remoters.size === 0, backend.maxSteps, 'remoter removed');
  });

  run('a connect to a port where nothing listens fails with ECONNREFUSED', async (backend) => {
    const client = connect(backend, await backend.deadAddress());
    await until(backend.doist, () => client.cutoff, backend.maxSteps, 'refusal');
    if (client.error?.code !== 'ECONNREFUSED') throw new Error(`error ${client.error?.code ?? 'none'}`);
    if (client.connected) throw new Error('connected anyway');
  });

  run('idle tymeout fires at its tyme and traffic pushes it back', async (backend) => {
    const { servant } = await echoServer(backend, { tymeout: 1 });
    const client = connect(backend, servant.address);
    await until(backend.doist, () => servant.remoters.size === 1, backend.maxSteps, 'accepted');
    const remoter = onlyRemoter(servant)!;
    const firstStop = remoter.tymer.stopTyme;
    await until(backend.doist, () => backend.doist.tyme >= firstStop - 0.5, backend.maxSteps);
    client.tx(Buffer.from('ping'));
    await receive(backend, client, 4);
    const stop = remoter.tymer.stopTyme;
    if (!(stop > firstStop)) throw new Error(`traffic did not push the deadline back (${firstStop} -> ${stop})`);
    let removedAt = -1;
    await until(
      backend.doist,
      () => {
        if (servant.remoters.size === 0 && removedAt < 0) removedAt = backend.doist.tyme;
        return removedAt >= 0;
      },
      backend.maxSteps,
      'idle removal',
    );
    // The pass that removed it ran at tyme `removedAt - tock`, the first pass at or after the deadline.
    const passTyme = removedAt - backend.doist.tock;
    if (passTyme < stop || passTyme >= stop + backend.doist.tock) throw new Error(`removed by the pass at ${passTyme}, deadline ${stop}`);
    if (!remoter.closed) throw new Error('expired remoter not closed');
  });

  run('a reconnectable client reconnects after a reset and carries on', async (backend) => {
    const { servant } = await echoServer(backend);
    const client = connect(backend, servant.address, { reconnectable: true, reconnectTymeout: 0.25 });
    client.tx(Buffer.from('one'));
    if ((await receive(backend, client, 3)) !== 'one') throw new Error('first echo failed');
    const first = onlyRemoter(servant)!;
    first.reset();
    await until(backend.doist, () => client.cutoff, backend.maxSteps, 'client cut off');
    if (client.error?.code !== 'ECONNRESET') throw new Error(`client error ${client.error?.code ?? 'none'}`);
    await until(backend.doist, () => client.connected, backend.maxSteps, 'reconnected');
    client.tx(Buffer.from('two'));
    if ((await receive(backend, client, 3)) !== 'two') throw new Error('echo after reconnect failed');
    const second = onlyRemoter(servant)!;
    if (second === first) throw new Error('same remoter after reconnect');
  });

  run('bytes queued before the connection is up are sent once connected', async (backend) => {
    const { servant } = await echoServer(backend);
    const client = backend.client(servant.address);
    client.tx(Buffer.from('early'));
    backend.doist.extend([new ClientDoer(client)]);
    if ((await receive(backend, client, 5)) !== 'early') throw new Error('early bytes lost');
  });

  run('removeRemoter closes and forgets a remoter; unknown keys are ignored', async (backend) => {
    const { servant } = await echoServer(backend);
    const client = connect(backend, servant.address);
    await until(backend.doist, () => servant.remoters.size === 1, backend.maxSteps, 'accepted');
    const remoter = onlyRemoter(servant)!;
    servant.removeRemoter('nobody:1');
    servant.removeRemoter(remoter.remoteKey, false);
    if (remoter.closed) throw new Error('closed although close was false');
    remoter.close();
    await until(backend.doist, () => client.rxEnded || client.cutoff, backend.maxSteps, 'client sees the close');
    if (servant.remoters.size !== 0) throw new Error('remoter still listed');
  });

  run('open() starts listening once; again while open it changes nothing', async (backend) => {
    const servant = backend.servant();
    servant.open();
    await until(
      backend.doist,
      () => {
        servant.serviceConnects();
        return servant.opened;
      },
      backend.maxSteps,
      'opened',
    );
    const port = servant.address.port;
    servant.open();
    servant.serviceConnects();
    if (!servant.opened || servant.address.port !== port) throw new Error('a second open() disturbed the servant');
    const client = backend.client(servant.address);
    client.open();
    client.open();
    await until(
      backend.doist,
      () => {
        servant.serviceConnects();
        client.service();
        return client.connected && servant.remoters.size === 1;
      },
      backend.maxSteps,
      'one connection',
    );
    servant.close();
    client.close();
  });

  run('reopening a servant closes its remoters', async (backend) => {
    const { servant } = await echoServer(backend);
    const client = connect(backend, servant.address);
    await until(backend.doist, () => servant.remoters.size === 1, backend.maxSteps, 'accepted');
    const remoter = onlyRemoter(servant)!;
    servant.close();
    if (!remoter.closed || servant.remoters.size !== 0 || servant.opened) throw new Error('close left state behind');
    await until(backend.doist, () => client.rxEnded || client.cutoff, backend.maxSteps, 'client sees the close');
  });
}
