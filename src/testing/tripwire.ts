/**
 * @module
 * The tripwire: inside a simulation, application code must not read the
 * ambient clock or randomness, set real timers or open real connections, or
 * the run stops being reproducible from its seed. While armed, the tripwire
 * wraps those calls (the ones {@link ambientCalls} names); a wrapped call made
 * inside {@link tripwire.run} — directly, or from a promise continuation or a
 * callback scheduled there, since the context is an `AsyncLocalStorage` —
 * names itself and its call site (the first stack frame outside this module
 * and Node's internals), and in `'throw'` mode fails with
 * `HIO_ERR_SIM_AMBIENT`. Everything else in the process (the test runner, other
 * tests, a production server) goes straight through to the original after one
 * `getStore()` check.
 *
 * The patches are installed while at least one simulation runs (reference
 * counted: {@link tripwire.arm} / {@link tripwire.disarm}, which `run` calls)
 * and the exact originals are put back when the last one ends.
 *
 * {@link simNow}, {@link simDate}, {@link simRandom} and {@link simRandomUUID}
 * are the deterministic replacements: the current simulation's virtual clock
 * and seeded random, or the real ones outside any simulation, so application
 * code can call them in production too.
 *
 * Costs. Outside any simulation while armed, a covered call costs one
 * `getStore()` more (a few ns; `scripts/bench-tripwire.ts` measures it), but
 * on Node 20 an active AsyncLocalStorage tracks contexts with promise hooks,
 * which costs every promise in the process tens of ns until the last
 * simulation ends (Node 24's AsyncContextFrame removes that). Inside one, a
 * covered call captures a stack (tens of µs): a known site skips the
 * source-mapped formatting.
 *
 * Limits. node:crypto's `getRandomValues` is a fixed getter that cannot be
 * replaced; it calls the web crypto's, which trips for it (its error's stack
 * then starts in Node's internals; the record's site is still the caller's).
 * A covered function that Node itself calls with no application frame on the
 * stack goes through (`process.nextTick(Date.now)`, undici's sockets under a
 * let-through fetch). While armed, `Date` is a stand-in function whose
 * `prototype` and statics are the real Date's, so `Date.prototype.constructor
 * !== Date`. `realClock` reads the functions it captured at load and never
 * trips; `realRandom` reads node:crypto's live binding, so it trips (site in
 * prng.ts). A module loaded while armed captures the wrappers. Callbacks of a
 * simulation that ended still trip into its store while another one keeps
 * the tripwire armed. The store's `records` is appended to once per site:
 * emptying it does not make a seen site record again.
 *
 * Not covered: a module that captured a function before the tripwire was
 * armed (`const now = Date.now`, `const D = Date`; `import { setTimeout }
 * from 'node:timers'` is covered, being a live binding); `performance.timeOrigin`,
 * `performance.mark()`, `os.uptime()`; `Intl.DateTimeFormat#format()`
 * without a date; `scheduler.wait()` of node:timers/promises; file system,
 * DNS, child processes, UDP and worker threads; and code that runs outside
 * the context (a callback registered before the simulation began, an event of
 * a socket opened outside it).
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { fileURLToPath } from 'node:url';
import { HioError } from '../core/errors.js';
import { checkOptions } from '../core/options.js';
import { Prng } from '../core/prng.js';
import type { Tymth } from '../core/tymist.js';

const CLOCK = "use the simulation's clock: simNow() or simDate() from hio-ts/testing, or the server's tyme";
const RANDOM = "use the simulation's seeded random: simRandom() from hio-ts/testing";
const UUID = 'use simRandomUUID() from hio-ts/testing, drawn from the seeded random';
const TIMER = "use timers on virtual tyme: info.sleep() or info.after() in a fetch handler, a Tymer on the Doist's tyme, or a doer";
const SOCKET = 'use the simulated network: a SimClient or a Patron on the SimNet';

/** Every call the tripwire covers, with the deterministic replacement its message suggests. */
export const ambientCalls = {
  'Date.now()': CLOCK,
  'new Date()': CLOCK,
  'Date()': CLOCK,
  'performance.now()': CLOCK,
  'process.hrtime()': CLOCK,
  'process.hrtime.bigint()': CLOCK,
  'process.uptime()': CLOCK,
  'Math.random()': RANDOM,
  'crypto.getRandomValues()': RANDOM,
  'crypto.randomBytes()': RANDOM,
  'crypto.randomFill()': RANDOM,
  'crypto.randomFillSync()': RANDOM,
  'crypto.randomInt()': RANDOM,
  'crypto.randomUUID()': UUID,
  'setTimeout()': TIMER,
  'setInterval()': TIMER,
  'setImmediate()': TIMER,
  'timers/promises.setTimeout()': TIMER,
  'timers/promises.setInterval()': TIMER,
  'timers/promises.setImmediate()': TIMER,
  'AbortSignal.timeout()': TIMER,
  'net.connect()': SOCKET,
  'net.Socket#connect()': SOCKET,
  'tls.connect()': SOCKET,
  'http.request()': SOCKET,
  'http.get()': SOCKET,
  'https.request()': SOCKET,
  'https.get()': SOCKET,
  'fetch()': SOCKET,
} as const;

/** The name of one covered call, as messages and records spell it. */
export type AmbientCall = keyof typeof ambientCalls;

/**
 * What a covered call does inside a simulation: `'throw'` fails it with
 * `HIO_ERR_SIM_AMBIENT` (and records it), `'warn'` records it and lets the
 * real call through, `'off'` lets it through unrecorded.
 */
export type TripMode = 'throw' | 'warn' | 'off';

/** One covered call seen inside a simulation. */
export interface TripRecord {
  readonly call: AmbientCall;
  /** The call site, `file:line:column` (source-mapped when Node maps stacks). */
  readonly site: string;
  /** The stack from the call site down, one `    at …` line per frame. */
  readonly stack: string;
}

/**
 * One simulation's context: how covered calls are treated, the deterministic
 * clock and random the replacements read, and what was seen. A distinct
 * (call, site) pair is recorded once, in the order first seen, whatever the
 * mode; `records[0]` is the first, even when the application caught the error.
 */
export interface TripStore {
  mode: TripMode;
  /** Virtual milliseconds since the epoch, what {@link simNow} returns. */
  readonly now: () => number;
  /** A seeded number in [0, 1), what {@link simRandom} returns. */
  readonly random: () => number;
  readonly records: TripRecord[];
}

/** Options of {@link createTripStore}. */
export interface TripStoreOptions {
  /** The simulation's tyme (usually `doist.tymen()`). */
  readonly tymth: Tymth;
  /** Seed of the store's random (default 0); its stream is forked from the seed, apart from a SimNet's on the same seed. */
  readonly seed?: number;
  /** Epoch milliseconds at tyme 0 (default 0): `now()` is `epochMs + tyme * 1000`, unrounded. */
  readonly epochMs?: number;
  /** Default `'throw'`. */
  readonly mode?: TripMode;
}

const MODES: readonly TripMode[] = ['throw', 'warn', 'off'];

/** A store for a simulation on `tymth`, its random seeded. */
export function createTripStore(options: TripStoreOptions): TripStore {
  checkOptions('createTripStore', options, ['tymth', 'seed', 'epochMs', 'mode']);
  const { tymth } = options;
  if (typeof tymth !== 'function') throw new HioError('HIO_ERR_INVALID_OPTION', 'createTripStore: tymth must be a function returning tyme');
  const epochMs = options.epochMs ?? 0;
  if (typeof epochMs !== 'number' || !Number.isFinite(epochMs)) {
    throw new HioError('HIO_ERR_INVALID_OPTION', `createTripStore: epochMs must be a finite number, got ${String(epochMs)}`);
  }
  const prng = new Prng(options.seed ?? 0).fork();
  return { mode: checkMode(options.mode ?? 'throw'), now: () => epochMs + tymth() * 1000, random: () => prng.next(), records: [] };
}

function checkMode(mode: TripMode): TripMode {
  if (!MODES.includes(mode)) throw new HioError('HIO_ERR_INVALID_OPTION', `tripwire: mode must be 'throw', 'warn' or 'off', got ${String(mode)}`);
  return mode;
}

// The originals the replacements fall back on, captured before any patch.
const RealDate = Date;
const realDateNow = Date.now;
const realMathRandom = Math.random;
const realRandomUUID = randomUUID;

const storage = new AsyncLocalStorage<TripStore>();
const requireBuiltin = createRequire(import.meta.url);
const ownFile = fileURLToPath(import.meta.url);

/** Virtual milliseconds since the epoch inside a simulation; `Date.now()` outside. */
export function simNow(): number {
  const store = storage.getStore();
  return store === undefined ? realDateNow() : store.now();
}

/** A Date of {@link simNow}. */
export function simDate(): Date {
  return new RealDate(simNow());
}

/** The simulation's seeded number in [0, 1); `Math.random()` outside. */
export function simRandom(): number {
  const store = storage.getStore();
  return store === undefined ? realMathRandom() : store.random();
}

/** A version-4-shaped UUID drawn from the simulation's seeded random; `crypto.randomUUID()` outside. */
export function simRandomUUID(): string {
  const store = storage.getStore();
  if (store === undefined) return realRandomUUID();
  let text = '';
  for (let i = 0; i < 16; i++) {
    let byte = Math.floor(store.random() * 256) & 0xff;
    if (i === 6) byte = (byte & 0x0f) | 0x40; // version 4
    if (i === 8) byte = (byte & 0x3f) | 0x80; // RFC 4122 variant
    text += byte.toString(16).padStart(2, '0');
    if (i === 3 || i === 5 || i === 7 || i === 9) text += '-';
  }
  return text;
}

type Callable = (this: unknown, ...args: unknown[]) => unknown;
/** The function a covered call entered through: stacks are cut above it. */
type Caller = (...args: never[]) => unknown;

/** Where a covered function lives, and what its wrapper returns when it trips. */
interface Target {
  readonly holder: object;
  readonly key: string;
  readonly call: AmbientCall;
  /** True when the call returns a promise: a trip rejects it instead of throwing. */
  readonly promises?: boolean;
}

/** One installed patch, with what to put back. */
interface Patch {
  readonly holder: object;
  readonly key: string;
  /** The holder's own property before; undefined when the original was inherited. */
  readonly saved: PropertyDescriptor | undefined;
  readonly value: unknown;
}

let armed = 0;
let patches: Patch[] = [];
/** Above 0 while a wrapper runs its original or records a trip: nested covered calls (node:crypto's getRandomValues calls the web one) go through. */
let passing = 0;

/** The covered functions, found on this process's holders (read before any is replaced). */
function targets(): Target[] {
  const crypto = requireBuiltin('node:crypto') as object;
  const timers = requireBuiltin('node:timers') as object;
  const timersPromises = requireBuiltin('node:timers/promises') as object;
  const net = requireBuiltin('node:net') as { readonly Socket: { readonly prototype: object } };
  const tls = requireBuiltin('node:tls') as object;
  const http = requireBuiltin('node:http') as object;
  const https = requireBuiltin('node:https') as object;
  return [
    { holder: globalThis.Date, key: 'now', call: 'Date.now()' },
    { holder: performance, key: 'now', call: 'performance.now()' },
    { holder: process, key: 'hrtime', call: 'process.hrtime()' },
    { holder: process.hrtime, key: 'bigint', call: 'process.hrtime.bigint()' },
    { holder: process, key: 'uptime', call: 'process.uptime()' },
    { holder: Math, key: 'random', call: 'Math.random()' },
    { holder: globalThis.crypto, key: 'getRandomValues', call: 'crypto.getRandomValues()' },
    { holder: globalThis.crypto, key: 'randomUUID', call: 'crypto.randomUUID()' },
    { holder: crypto, key: 'getRandomValues', call: 'crypto.getRandomValues()' },
    { holder: crypto, key: 'randomUUID', call: 'crypto.randomUUID()' },
    { holder: crypto, key: 'randomBytes', call: 'crypto.randomBytes()' },
    { holder: crypto, key: 'randomFill', call: 'crypto.randomFill()' },
    { holder: crypto, key: 'randomFillSync', call: 'crypto.randomFillSync()' },
    { holder: crypto, key: 'randomInt', call: 'crypto.randomInt()' },
    { holder: globalThis, key: 'setTimeout', call: 'setTimeout()' },
    { holder: globalThis, key: 'setInterval', call: 'setInterval()' },
    { holder: globalThis, key: 'setImmediate', call: 'setImmediate()' },
    { holder: timers, key: 'setTimeout', call: 'setTimeout()' },
    { holder: timers, key: 'setInterval', call: 'setInterval()' },
    { holder: timers, key: 'setImmediate', call: 'setImmediate()' },
    { holder: timersPromises, key: 'setTimeout', call: 'timers/promises.setTimeout()', promises: true },
    { holder: timersPromises, key: 'setInterval', call: 'timers/promises.setInterval()' },
    { holder: timersPromises, key: 'setImmediate', call: 'timers/promises.setImmediate()', promises: true },
    { holder: AbortSignal, key: 'timeout', call: 'AbortSignal.timeout()' },
    // net.createConnection is the same function as net.connect: one wrapper, one name.
    { holder: net, key: 'connect', call: 'net.connect()' },
    { holder: net, key: 'createConnection', call: 'net.connect()' },
    { holder: net.Socket.prototype, key: 'connect', call: 'net.Socket#connect()' },
    { holder: tls, key: 'connect', call: 'tls.connect()' },
    { holder: http, key: 'request', call: 'http.request()' },
    { holder: http, key: 'get', call: 'http.get()' },
    { holder: https, key: 'request', call: 'https.request()' },
    { holder: https, key: 'get', call: 'https.get()' },
    { holder: globalThis, key: 'fetch', call: 'fetch()', promises: true },
  ];
}

/** Per store, the call site already recorded for each call at each position as V8 reports it (`call@file:line:column`, not source-mapped). */
const seenSites = new WeakMap<TripStore, Map<string, string>>();

/**
 * Looks for a caller outside this module and Node's internals; when there is
 * one, records the call (once per site) and, in throw mode, returns the error
 * to throw. Null lets the call through: warn mode, or Node calling on its own
 * behalf (every frame internal, as undici's sockets under a let-through fetch).
 * A position seen before costs one raw stack capture; only a new one pays for
 * the formatted, source-mapped stack.
 */
function trip(store: TripStore, call: AmbientCall, caller: Caller): HioError | null {
  passing++;
  try {
    const position = callerPosition(caller);
    if (position === null) return null;
    let sites = seenSites.get(store);
    if (sites === undefined) seenSites.set(store, (sites = new Map()));
    const key = `${call}@${position}`;
    let site = sites.get(key);
    if (site === undefined) {
      const frames = stackLines(caller);
      const first = frames.findIndex((line) => siteOf(line) !== null);
      const found = first < 0 ? position : siteOf(frames[first]!)!;
      sites.set(key, (site = found));
      if (!store.records.some((record) => record.call === call && record.site === found)) {
        store.records.push({ call, site, stack: frames.slice(Math.max(0, first)).join('\n') });
      }
    }
    if (store.mode !== 'throw') return null;
    const error = new HioError('HIO_ERR_SIM_AMBIENT', `${call} called inside a simulation at ${site}; ${ambientCalls[call]}`);
    // The error's own stack starts at the call site, like the real call's would.
    Error.captureStackTrace(error, caller);
    return error;
  } finally {
    passing--;
  }
}

/**
 * The position of the first frame below `caller` outside this module and
 * Node's internals, as V8 reports it; null when there is none. A few frames
 * first (the caller is near the top), the deep stack only when they are all
 * Node's.
 */
function callerPosition(caller: Caller): string | null {
  for (const depth of [8, 64]) {
    const sites = callSites(caller, depth);
    for (const callSite of sites) {
      const file = callSite.getFileName();
      const line = callSite.getLineNumber();
      if (file === undefined || file === null || line === null || internal(file)) continue;
      return `${file}:${line}:${callSite.getColumnNumber() ?? 0}`;
    }
    if (sites.length < depth) break;
  }
  return null;
}

/** V8's call sites below `caller`, at most `depth`: the raw positions, without formatting or source maps. */
function callSites(caller: Caller, depth: number): NodeJS.CallSite[] {
  const prepare = Error.prepareStackTrace;
  const limit = Error.stackTraceLimit;
  const holder: { stack?: unknown } = {};
  Error.prepareStackTrace = (_error, callSites) => callSites;
  Error.stackTraceLimit = depth;
  try {
    Error.captureStackTrace(holder, caller);
    return holder.stack as NodeJS.CallSite[]; // prepared on first read, so before the restore
  } finally {
    Error.prepareStackTrace = prepare;
    Error.stackTraceLimit = limit;
  }
}

/** The `    at …` lines of the stack below `caller`, formatted as Node formats them (source-mapped when it maps stacks). */
function stackLines(caller: Caller): string[] {
  const holder: { stack?: string } = {};
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 64;
  try {
    Error.captureStackTrace(holder, caller);
    return (holder.stack ?? '').split('\n').filter((line) => line.startsWith('    at '));
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** True for Node's own code and for this module. */
function internal(file: string): boolean {
  return file.startsWith('node:') || file.startsWith('internal/') || file === ownFile || file === import.meta.url;
}

/** The `file:line:column` of a stack line, or null for Node's internals, this module and frames without a position. */
function siteOf(line: string): string | null {
  const text = line.slice('    at '.length);
  const location = text.endsWith(')') ? text.slice(text.lastIndexOf('(') + 1, -1) : text.replace(/^async /, '');
  const match = /^(.*):(\d+):(\d+)$/.exec(location);
  if (match === null) return null;
  let file = match[1]!;
  if (file.startsWith('file://')) {
    try {
      file = fileURLToPath(file);
    } catch {
      // Not a path after all: keep the URL.
    }
  }
  if (internal(file)) return null;
  return `${file}:${match[2]!}:${match[3]!}`;
}

/** Throws (throw mode) or records for a covered call inside a simulation; nothing outside one. */
function check(call: AmbientCall, caller: Caller): void {
  const store = storage.getStore();
  if (store === undefined || store.mode === 'off' || passing > 0) return;
  const error = trip(store, call, caller);
  if (error !== null) throw error;
}

/** The wrapper of one covered function: a getStore() check, then the original. */
function wrap(call: AmbientCall, original: Callable, promises: boolean): Callable {
  const wrapper = function (this: unknown, ...args: unknown[]): unknown {
    const store = storage.getStore();
    if (store === undefined || store.mode === 'off' || passing > 0) return Reflect.apply(original, this, args);
    const error = trip(store, call, wrapper);
    if (error !== null) {
      if (promises) return Promise.reject(error);
      throw error;
    }
    passing++;
    try {
      return Reflect.apply(original, this, args);
    } finally {
      passing--;
    }
  };
  return wrapper;
}

/**
 * Gives a wrapper its original's own properties (name, length,
 * `util.promisify.custom`, `hrtime.bigint`), pointing at wrappers where the
 * value is itself covered.
 */
function mirror(original: object, wrapper: Callable, wrappers: ReadonlyMap<unknown, Callable>): void {
  for (const key of Reflect.ownKeys(original)) {
    if (key === 'prototype') continue;
    const descriptor = Reflect.getOwnPropertyDescriptor(original, key)!;
    if ('value' in descriptor) descriptor.value = wrappers.get(descriptor.value) ?? descriptor.value;
    Reflect.defineProperty(wrapper, key, descriptor);
  }
}

/**
 * The Date constructor for while armed: `new Date()` and `Date()` are checked,
 * every other construction returns a real Date from the real constructor, and
 * the statics and `prototype` are the real one's, so `instanceof`,
 * `Date.UTC`, `Date.parse` and subclasses keep working. A function rather
 * than a Proxy: a Proxy makes every `Date.now` lookup and `new Date(ms)`
 * several times slower.
 */
function patchedDate(real: DateConstructor, wrappers: ReadonlyMap<unknown, Callable>): DateConstructor {
  function Date(this: unknown, ...args: unknown[]): unknown {
    if (new.target === undefined) {
      check('Date()', Date);
      return real();
    }
    if (args.length === 0) check('new Date()', Date);
    return Reflect.construct(real, args, new.target === Date ? real : new.target);
  }
  for (const key of Reflect.ownKeys(real)) {
    const descriptor = Reflect.getOwnPropertyDescriptor(real, key)!;
    if ('value' in descriptor) descriptor.value = wrappers.get(descriptor.value) ?? descriptor.value;
    Reflect.defineProperty(Date, key, descriptor);
  }
  return Date as unknown as DateConstructor;
}

/** Replaces `holder[key]` with `value` as an own property, remembering what to put back. */
function install(holder: object, key: string, value: unknown): void {
  const saved = Reflect.getOwnPropertyDescriptor(holder, key);
  let enumerable = saved?.enumerable;
  for (let proto: unknown = Reflect.getPrototypeOf(holder); enumerable === undefined && proto !== null; proto = Reflect.getPrototypeOf(proto as object)) {
    enumerable = Reflect.getOwnPropertyDescriptor(proto as object, key)?.enumerable;
  }
  // A fixed property (node:crypto's getRandomValues is a non-configurable getter) stays as it is.
  if (!Reflect.defineProperty(holder, key, { value, writable: true, enumerable: enumerable ?? false, configurable: true })) return;
  patches.push({ holder, key, saved, value });
}

function installAll(): void {
  const wrappers = new Map<unknown, Callable>();
  for (const { holder, key, call, promises } of targets()) {
    const original: unknown = Reflect.get(holder, key);
    if (typeof original !== 'function') continue; // not on this version of Node
    let wrapper = wrappers.get(original);
    if (wrapper === undefined) {
      wrapper = wrap(call, original as Callable, promises === true);
      wrappers.set(original, wrapper);
    }
    install(holder, key, wrapper);
  }
  for (const [original, wrapper] of wrappers) mirror(original as object, wrapper, wrappers);
  install(globalThis, 'Date', patchedDate(globalThis.Date, wrappers));
  // `import { setTimeout } from 'node:timers'` and the like are live bindings of the CommonJS exports.
  syncBuiltinESMExports();
}

function restoreAll(): void {
  for (const patch of patches.reverse()) {
    // Someone replaced a patch after it went in (fake timers, a mock): theirs stays, to be put back by them.
    if (Reflect.getOwnPropertyDescriptor(patch.holder, patch.key)?.value !== patch.value) continue;
    if (patch.saved === undefined) Reflect.deleteProperty(patch.holder, patch.key);
    else Reflect.defineProperty(patch.holder, patch.key, patch.saved);
  }
  patches = [];
  syncBuiltinESMExports();
}

/** Installs the patches unless a simulation already did; each call needs one {@link disarm}. */
function arm(): void {
  if (armed === 0) installAll();
  armed++;
}

/** Ends one {@link arm}; the last puts the exact originals back. */
function disarm(): void {
  if (armed === 0) throw new HioError('HIO_ERR_SIM', 'tripwire.disarm: the tripwire is not armed');
  armed--;
  if (armed > 0) return;
  restoreAll();
  // Without a context left, Node's promise hooks for AsyncLocalStorage need not cost every other promise.
  storage.disable();
}

/**
 * Runs `fn` as a simulation with `store` as its context: armed for the
 * duration (until the promise `fn` returns settles), every covered call made
 * inside, or in continuations and callbacks scheduled inside, treated by the
 * store's mode. Simulations nest and run concurrently, each with its store.
 */
function run<T>(store: TripStore, fn: () => T): T {
  checkMode(store.mode);
  arm();
  let result: T;
  try {
    result = storage.run(store, fn);
  } catch (error) {
    disarm();
    throw error;
  }
  if (result instanceof Promise) return result.finally(disarm) as T;
  disarm();
  return result;
}

/** The tripwire's controls. */
export const tripwire = Object.freeze({
  run,
  arm,
  disarm,
  /** The current simulation's store; undefined outside any. */
  store(): TripStore | undefined {
    return storage.getStore();
  },
  /** True while the patches are in. */
  get armed(): boolean {
    return armed > 0;
  },
});
