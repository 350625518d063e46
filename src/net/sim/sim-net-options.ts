/**
 * @module
 * The options of a {@link SimNet} and of its faults, with their defaults and
 * checks: a bad option throws HIO_ERR_INVALID_OPTION when the network is
 * made, never later.
 */
import { HioError } from '../../core/errors.js';
import { checkOptions, checkSeconds } from '../../core/options.js';
import { Prng } from '../../core/prng.js';
import type { Tymth } from '../../core/tymist.js';

/** Options of a {@link SimNet}. */
export interface SimNetOptions {
  /** The tyme closure (usually the Doist's). */
  readonly tymth?: Tymth;
  /** Seed of the jitter generator (default 0). */
  readonly seed?: number;
  /** One-way latency in seconds (default 0.001). */
  readonly latency?: number;
  /** Extra one-way delay in seconds, uniform in [0, jitter), seeded (default 0). */
  readonly jitter?: number;
  /** Bytes per second per link direction (default Infinity). */
  readonly bandwidth?: number;
  /** Receive window in bytes: in flight plus unread (default 64 KiB). */
  readonly window?: number;
  /** Largest data parcel in bytes (default 64 KiB). */
  readonly segment?: number;
  /** Seconds before an unanswered connect fails with ETIMEDOUT (default 3). */
  readonly connectTymeout?: number;
  /** Keep every trace event in memory (default true); false keeps the digest only. */
  readonly keepTrace?: boolean;
}

/** Options of a fault that applies to one or both directions. */
export interface DirectionOptions {
  /** Only from the first host to the second (default false: both ways). */
  readonly oneWay?: boolean;
}

/** A network's options checked, with the defaults filled in (the tymth aside); see {@link SimNetOptions}. */
export interface SimNetSettings {
  /** The jitter generator, seeded. */
  readonly prng: Prng;
  readonly latency: number;
  readonly jitter: number;
  readonly bandwidth: number;
  readonly window: number;
  readonly segment: number;
  readonly connectTymeout: number;
  readonly keepTrace: boolean;
}

const KNOWN = ['tymth', 'seed', 'latency', 'jitter', 'bandwidth', 'window', 'segment', 'connectTymeout', 'keepTrace'];

/** Checks a network's options in order (the first bad one throws) and fills in the defaults. */
export function simNetSettings(options: SimNetOptions): SimNetSettings {
  checkOptions('SimNet', options, KNOWN);
  const prng = new Prng(options.seed ?? 0);
  const latency = checkSeconds('SimNet', 'latency', options.latency ?? 0.001);
  const jitter = checkSeconds('SimNet', 'jitter', options.jitter ?? 0);
  const bandwidth = options.bandwidth ?? Infinity;
  if (!(bandwidth > 0)) throw new HioError('HIO_ERR_INVALID_OPTION', 'SimNet: bandwidth must be > 0');
  const window = positiveInteger('window', options.window ?? 65536);
  const segment = positiveInteger('segment', options.segment ?? 65536);
  const connectTymeout = checkSeconds('SimNet', 'connectTymeout', options.connectTymeout ?? 3);
  return { prng, latency, jitter, bandwidth, window, segment, connectTymeout, keepTrace: options.keepTrace ?? true };
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw new HioError('HIO_ERR_INVALID_OPTION', `SimNet: ${name} must be a positive integer, got ${value}`);
  return value;
}
