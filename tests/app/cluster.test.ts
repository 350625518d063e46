/**
 * The ClusterSupervisor without processes: a fake fork records each worker,
 * the test plays its messages and exits, and a hand-advanced clock fires the
 * restart and kill timers. The ClusterLink over a fake channel. The same
 * logic on real processes is in cluster-processes.test.ts.
 */
import test from 'ava';
import type { CancelTimer, Clock } from '../../src/core/clock.js';
import { HioError } from '../../src/core/errors.js';
import { ClusterLink, PORT_ENV, WORKER_ENV, clusterLink, type PrimaryChannel, type WorkerMessage } from '../../src/app/cluster-link.js';
import { ClusterSupervisor, workerCount, type ClusterOptions, type WorkerEvents } from '../../src/app/cluster.js';
import { netError } from '../../src/net/net-error.js';

/** A clock whose time moves only when the test says; due timers fire in order. */
class HandClock implements Clock {
  #now = 0;
  #timers: Array<{ at: number; fn: () => void; live: boolean }> = [];

  now(): number {
    return this.#now;
  }

  epochMs(): number {
    return this.#now * 1000;
  }

  setTimer(seconds: number, fn: () => void): CancelTimer {
    const timer = { at: this.#now + seconds, fn, live: true };
    this.#timers.push(timer);
    return () => {
      timer.live = false;
    };
  }

  /** Timers not yet fired nor cancelled, as their due times. */
  get pending(): number[] {
    return this.#timers.filter((timer) => timer.live).map((timer) => timer.at);
  }

  advance(seconds: number): void {
    const until = this.#now + seconds;
    for (;;) {
      const due = this.#timers.filter((timer) => timer.live && timer.at <= until).sort((a, b) => a.at - b.at)[0];
      if (due === undefined) break;
      due.live = false;
      this.#now = due.at;
      due.fn();
    }
    this.#now = until;
  }
}

/** One fake worker: what it was forked with, what it was sent, how it was killed. */
class FakeWorker {
  readonly sent: unknown[] = [];
  readonly kills: NodeJS.Signals[] = [];
  exited = false;

  constructor(
    readonly pid: number,
    readonly env: Readonly<Record<string, string>>,
    readonly events: WorkerEvents,
  ) {}

  say(message: WorkerMessage | unknown): void {
    this.events.message(message);
  }

  listening(port = 4000): void {
    this.say({ hio: 'cluster', type: 'listening', host: '127.0.0.1', port });
  }

  exit(code: number | null, signal: NodeJS.Signals | null = null): void {
    this.exited = true;
    this.events.exit(code, signal);
  }
}

interface Rig {
  readonly supervisor: ClusterSupervisor;
  readonly clock: HandClock;
  readonly forked: FakeWorker[];
  readonly log: string[];
  /** The workers not yet exited. */
  alive(): FakeWorker[];
}

function rig(options: Partial<ClusterOptions> = {}): Rig {
  const clock = new HandClock();
  const forked: FakeWorker[] = [];
  const log: string[] = [];
  const supervisor = new ClusterSupervisor({
    workers: 2,
    clock,
    log: (line) => log.push(line),
    fork(env, events) {
      const worker = new FakeWorker(100 + forked.length, env, events);
      forked.push(worker);
      return {
        pid: worker.pid,
        send: (message) => worker.sent.push(message),
        kill: (signal) => worker.kills.push(signal),
      };
    },
    ...options,
  });
  return { supervisor, clock, forked, log, alive: () => forked.filter((worker) => !worker.exited) };
}

/** Whether a promise has settled, after the microtasks queued so far. */
async function settled(promise: Promise<unknown>): Promise<boolean> {
  let done = false;
  promise.then(
    () => (done = true),
    () => (done = true),
  );
  await new Promise((resolve) => setImmediate(resolve));
  return done;
}

test('ClusterSupervisor forks its workers marked as hio workers, and listening resolves with the first address reported', async (t) => {
  const { supervisor, forked } = rig({ workers: 3 });
  t.is(forked.length, 3);
  t.deepEqual(forked[0]!.env, { [WORKER_ENV]: '1' });
  t.deepEqual(supervisor.pids, [100, 101, 102]);
  t.is(supervisor.workers, 3);
  t.false(await settled(supervisor.listening));
  // Messages of the application's own are ignored.
  forked[1]!.say({ hello: 'primary' });
  forked[1]!.say('text');
  forked[1]!.say({ hio: 'cluster', type: 'unknown' });
  t.false(await settled(supervisor.listening));
  forked[1]!.listening(4321);
  forked[0]!.listening(4321);
  t.deepEqual(await supervisor.listening, { host: '127.0.0.1', port: 4321 });
});

test('ClusterSupervisor replaces a worker that exits unasked after a doubling backoff, logging one line each', async (t) => {
  const { supervisor, clock, forked, log } = rig({ restarts: { backoff: 0.1, maxBackoff: 0.3, maxRestarts: 10 } });
  forked[0]!.listening();
  forked[0]!.exit(null, 'SIGKILL');
  t.deepEqual(supervisor.pids, [101]);
  t.is(log.length, 1);
  t.regex(log[0]!, /^hio: worker 100 was killed by SIGKILL; restarting it in 0\.1 s/);
  clock.advance(0.05);
  t.is(forked.length, 2, 'not before its backoff');
  clock.advance(0.05);
  t.is(forked.length, 3);
  t.deepEqual(supervisor.pids, [102, 101], 'the new worker takes the slot');
  t.is(supervisor.restarts, 1);
  forked[2]!.exit(1);
  t.regex(log[1]!, /^hio: worker 102 exited with code 1; restarting it in 0\.2 s/);
  forked[1]!.exit(0);
  t.regex(log[2]!, /^hio: worker 101 exited with code 0; restarting it in 0\.3 s/);
  clock.advance(0.3);
  t.is(forked.length, 5);
  t.is(supervisor.restarts, 3);
  t.false(await settled(supervisor.finished));
});

test('ClusterSupervisor gives up past the restart budget: the rest drain, finished rejects with HIO_ERR_CLUSTER naming the last exit', async (t) => {
  const { supervisor, clock, forked, log } = rig({ restarts: { maxRestarts: 2, window: 60, backoff: 0.1 } });
  forked[0]!.exit(1);
  clock.advance(1);
  forked[2]!.exit(1);
  clock.advance(1);
  t.is(forked.length, 4);
  forked[3]!.exit(null, 'SIGSEGV');
  t.is(log.length, 2, 'no line for the restart refused');
  t.true(supervisor.stopping);
  // The one left is asked to drain; the cluster is finished once it is gone.
  t.deepEqual(forked[1]!.sent, [{ hio: 'cluster', type: 'drain', tymeout: 10 }]);
  t.false(await settled(supervisor.finished));
  forked[1]!.exit(0);
  const error = await t.throwsAsync(supervisor.finished, { instanceOf: HioError });
  t.is(error.code, 'HIO_ERR_CLUSTER');
  t.regex(error.message, /worker 103 was killed by SIGSEGV: more than 2 restarts within 60 s/);
  const listenError = await t.throwsAsync(supervisor.listening, { instanceOf: HioError });
  t.is(listenError.code, 'HIO_ERR_CLUSTER');
  await t.notThrowsAsync(supervisor.stopped);
  t.deepEqual(clock.pending, [], 'no timer left');
  t.is(forked.length, 4);
});

test('ClusterSupervisor stops at a listen failure instead of restarting: listening rejects with its code, finished resolves', async (t) => {
  const { supervisor, clock, forked, log } = rig();
  forked[0]!.say({ hio: 'cluster', type: 'failed', code: 'EADDRINUSE', message: 'listen EADDRINUSE: address already in use' });
  const error = await t.throwsAsync(supervisor.listening);
  t.is((error as { code?: string }).code, 'EADDRINUSE');
  t.deepEqual(forked[1]!.sent, [{ hio: 'cluster', type: 'drain', tymeout: 0 }]);
  // The failed worker may report the failure again as it exits: no restart either way.
  forked[1]!.say({ hio: 'cluster', type: 'failed', code: 'EADDRINUSE', message: '' });
  forked[0]!.exit(2);
  forked[1]!.exit(0);
  clock.advance(60);
  t.is(forked.length, 2);
  await t.notThrowsAsync(supervisor.finished);
  t.is(supervisor.unclean, 0, 'the failure is the news, not the exits after it');
  t.deepEqual(log, []);
});

test('ClusterSupervisor fails with HIO_ERR_CLUSTER when a restarted worker cannot listen', async (t) => {
  const { supervisor, clock, forked } = rig();
  forked[0]!.listening(4000);
  forked[1]!.listening(4000);
  forked[0]!.exit(1);
  clock.advance(1);
  forked[2]!.say({ hio: 'cluster', type: 'failed', code: 'EACCES', message: 'listen EACCES' });
  forked[1]!.exit(0);
  forked[2]!.exit(0);
  const error = await t.throwsAsync(supervisor.finished, { instanceOf: HioError });
  t.is(error.code, 'HIO_ERR_CLUSTER');
  t.is((error.cause as { code?: string }).code, 'EACCES');
  t.deepEqual(await supervisor.listening, { host: '127.0.0.1', port: 4000 });
});

test('ClusterSupervisor#close drains every worker with its tymeout, cancels pending restarts and resolves once all are gone', async (t) => {
  const { supervisor, clock, forked } = rig({ killMargin: 2 });
  forked[0]!.listening();
  forked[0]!.exit(1);
  const closed = supervisor.close(3);
  // The first tymeout counts.
  void supervisor.close(30);
  t.deepEqual(forked[1]!.sent, [{ hio: 'cluster', type: 'drain', tymeout: 3 }]);
  clock.advance(1);
  t.is(forked.length, 2, 'the pending restart was cancelled');
  // A worker that was still starting (no ear for the drain yet) hears it again when it reports.
  forked[1]!.listening();
  t.deepEqual(forked[1]!.sent, [
    { hio: 'cluster', type: 'drain', tymeout: 3 },
    { hio: 'cluster', type: 'drain', tymeout: 3 },
  ]);
  t.false(await settled(closed));
  forked[1]!.exit(0);
  await t.notThrowsAsync(closed);
  t.is(supervisor.unclean, 0);
  t.deepEqual(supervisor.pids, []);
  t.deepEqual(clock.pending, []);
});

test('ClusterSupervisor#close kills a worker still alive killMargin seconds after the tymeout, and counts it unclean', async (t) => {
  const { supervisor, clock, forked } = rig({ killMargin: 2 });
  const closed = supervisor.close(3);
  forked[0]!.exit(0);
  clock.advance(4.9);
  t.deepEqual(forked[1]!.kills, []);
  clock.advance(0.1);
  t.deepEqual(forked[1]!.kills, ['SIGKILL']);
  forked[1]!.exit(null, 'SIGKILL');
  await t.notThrowsAsync(closed);
  t.is(supervisor.unclean, 1);
  // Stopped before any worker listened.
  const error = await t.throwsAsync(supervisor.listening, { instanceOf: HioError });
  t.is(error.code, 'HIO_ERR_CLUSTER');
});

test('ClusterSupervisor#force kills every worker at once', async (t) => {
  const { supervisor, forked } = rig();
  supervisor.force();
  t.deepEqual(
    forked.map((worker) => worker.kills),
    [['SIGKILL'], ['SIGKILL']],
  );
  forked[0]!.exit(null, 'SIGKILL');
  forked[1]!.exit(null, 'SIGKILL');
  await t.notThrowsAsync(supervisor.finished);
  t.is(supervisor.unclean, 2);
});

test('ClusterSupervisor tells a worker started when none is left the port already chosen, and one started beside others nothing', (t) => {
  const { clock, forked } = rig({ restarts: { backoff: 1, maxBackoff: 1 } });
  forked[0]!.listening(5555);
  forked[1]!.listening(5555);
  forked[0]!.exit(1);
  clock.advance(1);
  // Worker 101 still holds the shared port-0 socket: the replacement asks for port 0 as well.
  t.is(forked[2]!.env[PORT_ENV], undefined);
  forked[1]!.exit(1);
  forked[2]!.exit(1);
  clock.advance(1);
  t.is(forked[3]!.env[PORT_ENV], '5555');
  t.is(forked[4]!.env[PORT_ENV], '5555', 'then every later worker asks for that port');
});

test('ClusterSupervisor rejects bad options with HIO_ERR_INVALID_OPTION', (t) => {
  for (const options of [
    { workers: 0 },
    { workers: 1.5 },
    { workers: 2, killMargin: -1 },
    { workers: 2, restarts: { maxRestarts: -1 } },
    { workers: 2, threads: 2 },
  ]) {
    const error = t.throws(
      () => new ClusterSupervisor({ fork: () => t.fail() as never, ...options } as ClusterOptions),
      { instanceOf: HioError },
      JSON.stringify(options),
    );
    t.is(error.code, 'HIO_ERR_INVALID_OPTION');
  }
  const { supervisor } = rig();
  t.throws(() => void supervisor.close(-1), { instanceOf: HioError });
});

test('workerCount is 1 by default, the available parallelism for auto, and rejects anything but an integer >= 1', (t) => {
  t.is(
    workerCount(undefined, () => 8),
    1,
  );
  t.is(
    workerCount('auto', () => 8),
    8,
  );
  t.is(
    workerCount('auto', () => 0),
    1,
  );
  t.is(
    workerCount(3, () => 8),
    3,
  );
  for (const value of [0, -1, 2.5, Number.NaN, '2', 'all']) {
    const error = t.throws(() => workerCount(value as never, () => 8), { instanceOf: HioError }, String(value));
    t.is(error.code, 'HIO_ERR_INVALID_OPTION');
  }
});

/** A channel to a fake primary. */
function fakeChannel(): PrimaryChannel & { sent: WorkerMessage[]; deliver(message: unknown): void; signal(): void; disconnected: number; signalsOn: boolean } {
  let onMessage: (message: unknown) => void = () => {};
  let onSignal: () => void = () => {};
  const channel = {
    sent: [] as WorkerMessage[],
    disconnected: 0,
    signalsOn: false,
    send: (message: WorkerMessage) => void channel.sent.push(message),
    onMessage(handler: (message: unknown) => void) {
      onMessage = handler;
    },
    onSignals(handler: () => void) {
      onSignal = handler;
      channel.signalsOn = true;
      return () => {
        channel.signalsOn = false;
      };
    },
    disconnect() {
      channel.disconnected += 1;
    },
    deliver: (message: unknown) => onMessage(message),
    signal: () => onSignal(),
  };
  return channel;
}

test('ClusterLink reports listening and failures, and calls its drain on the primary word or a SIGTERM', (t) => {
  const channel = fakeChannel();
  const link = new ClusterLink(channel, {});
  t.true(channel.signalsOn, 'signals are taken as the link is made');
  const drains: Array<number | null> = [];
  link.onDrain((tymeout) => drains.push(tymeout));
  link.listening({ host: '::1', port: 80 });
  link.failed(netError('EADDRINUSE', 'listen'));
  t.deepEqual(channel.sent, [
    { hio: 'cluster', type: 'listening', host: '::1', port: 80 },
    { hio: 'cluster', type: 'failed', code: 'EADDRINUSE', message: 'listen EADDRINUSE' },
  ]);
  channel.deliver({ hio: 'cluster', type: 'drain', tymeout: 7 });
  channel.deliver({ hio: 'cluster', type: 'drain', tymeout: -1 });
  channel.deliver({ hio: 'cluster', type: 'listening' });
  channel.deliver({ app: true });
  channel.signal();
  t.deepEqual(drains, [7, null, null]);
  link.done();
  link.done();
  t.is(channel.disconnected, 1);
  t.false(channel.signalsOn);
});

test('ClusterLink#port puts the primary port in place of 0 only, and ignores a bad one', (t) => {
  t.is(new ClusterLink(fakeChannel(), { [PORT_ENV]: '4567' }).port(0), 4567);
  t.is(new ClusterLink(fakeChannel(), { [PORT_ENV]: '4567' }).port(8080), 8080);
  t.is(new ClusterLink(fakeChannel(), { [PORT_ENV]: 'x' }).port(0), 0);
  t.is(new ClusterLink(fakeChannel(), { [PORT_ENV]: '70000' }).port(0), 0);
  t.is(new ClusterLink(fakeChannel(), {}).port(0), 0);
});

test('clusterLink is null outside a worker forked by a hio cluster', (t) => {
  t.is(clusterLink({ [WORKER_ENV]: '1' }), null);
  t.is(clusterLink({}), null);
});

test('ClusterSupervisor counts a worker killed by SIGINT while stopping unclean only when it had listened (Ctrl-C reaches a starting worker too)', async (t) => {
  const { supervisor, forked, log } = rig();
  forked[0]!.listening();
  void supervisor.close(5);
  forked[1]!.exit(null, 'SIGINT');
  t.is(supervisor.unclean, 0);
  t.deepEqual(log, []);
  forked[0]!.exit(null, 'SIGINT');
  t.is(supervisor.unclean, 1);
  t.deepEqual(log, ['hio: worker 100 was killed by SIGINT while stopping']);
  await t.notThrowsAsync(supervisor.finished);
});
