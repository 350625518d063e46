/**
 * @module
 * The in-memory file source: a tree of files, directories and symlinks
 * that a simulation or a test builds, changes between passes, and reads
 * through the same {@link FileSource} interface as files on disk.
 *
 * It behaves like a POSIX file system where a server can tell: symlinks
 * are resolved component by component (relative targets from the link's
 * directory, ".." physically), a loop or more than 40 links is ELOOP
 * (FileError "io"), a path through a file names nothing, a "denied" file
 * stats but does not open and a "denied" directory neither lists nor lets
 * anything under it be reached (FileError "denied").
 *
 * It is deterministic: nothing reads a clock or real randomness. Every
 * operation completes on the next microtask, or when the injected `delay`
 * settles (for example `(s) => new Promise((r) => server.after(s, r))` on
 * a server's virtual tyme) after `latency` plus a jitter drawn from the
 * injected `random`. Faults are drawn from that same generator, in the
 * order the operations are called, so one seed replays one run exactly.
 */
import { checkOptions, checkSeconds } from '../core/options.js';
import { HioError } from '../core/errors.js';
import type { Random } from '../core/prng.js';
import { checkReadRange, FileError, type DirEntry, type FileReader, type FileSource, type FileStat } from './file-source.js';

/** A file with its modification time and whether reading it is denied. */
export interface MemoryFile {
  readonly data: string | Uint8Array;
  /** Milliseconds since the epoch (default 0). */
  readonly mtimeMs?: number;
  /** Opening the file fails with FileError "denied" (it still stats). */
  readonly denied?: boolean;
}

/** A directory, for an empty one or one whose listing is denied. */
export interface MemoryDirectory {
  readonly directory: true;
  /** Milliseconds since the epoch (default 0). */
  readonly mtimeMs?: number;
  /** Listing the directory, or reaching anything under it, fails with FileError "denied". */
  readonly denied?: boolean;
}

/** A symlink to an absolute or a relative (to its directory) path. */
export interface MemorySymlink {
  readonly symlink: string;
}

/** One entry of a tree: a string (UTF-8) or bytes is a file with mtime 0. */
export type MemoryEntry = string | Uint8Array | MemoryFile | MemoryDirectory | MemorySymlink;

/** Absolute POSIX paths to entries; directories on the way are implied. */
export type MemoryTree = Readonly<Record<string, MemoryEntry>>;

/** Seeded faults, as probabilities in [0, 1] drawn per operation. */
export interface MemoryFaults {
  /** An operation (stat, realpath, open, list, read) rejects with FileError "io". */
  readonly io?: number;
  /** An open finds nothing, as if the file were removed after the caller's stat (and put back after). */
  readonly vanish?: number;
}

/** How a {@link MemoryFileSource} takes its time and fails. */
export interface MemoryFileSourceOptions {
  /** Settles after `seconds`; each operation awaits it. Without it operations settle on the next microtask. */
  readonly delay?: (seconds: number) => Promise<void>;
  /** Seconds each operation takes (default 0); needs `delay`. */
  readonly latency?: number;
  /** Up to this many seconds more per operation, drawn from `random` (default 0); needs `delay`. */
  readonly jitter?: number;
  /** The seeded generator jitter and faults are drawn from (a Prng); needed by either. */
  readonly random?: Random;
  readonly faults?: MemoryFaults;
}

interface FileNode {
  readonly kind: 'file';
  readonly data: Uint8Array;
  readonly mtimeMs: number;
  readonly denied: boolean;
}

interface DirNode {
  readonly kind: 'directory';
  readonly children: Map<string, Node>;
  mtimeMs: number;
  denied: boolean;
}

interface LinkNode {
  readonly kind: 'symlink';
  readonly target: string;
}

type Node = FileNode | DirNode | LinkNode;

/** What a resolved path names, and the real path's names from the root. */
interface Resolved {
  readonly node: FileNode | DirNode;
  readonly names: readonly string[];
}

/** Links followed in one resolution before it is a loop (Linux's limit). */
const MAX_LINKS = 40;

const OPTIONS = ['delay', 'latency', 'jitter', 'random', 'faults'] as const;
const FAULTS = ['io', 'vanish'] as const;

function invalid(message: string): HioError {
  return new HioError('HIO_ERR_INVALID_OPTION', `MemoryFileSource: ${message}`);
}

/** The names of an absolute path, empty ones dropped ("." and ".." kept for resolution). */
function namesOf(path: string): string[] {
  if (typeof path !== 'string' || !path.startsWith('/')) throw invalid('paths must be absolute POSIX paths');
  return path.split('/').filter((name) => name !== '');
}

/** The names of a path to create: no ".", "..", and not the root itself. */
function placeNames(path: string): string[] {
  const names = namesOf(path);
  if (names.length === 0 || names.some((name) => name === '.' || name === '..')) throw invalid('cannot create "/" or a path with "." or ".."');
  return names;
}

function checkMtime(mtimeMs: number): number {
  if (typeof mtimeMs !== 'number' || !Number.isFinite(mtimeMs)) throw invalid('mtimeMs must be a finite number');
  return mtimeMs;
}

function checkProbability(name: string, value: number | undefined): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !(value >= 0 && value <= 1)) throw invalid(`faults.${name} must be a probability in [0, 1]`);
  return value;
}

function bytesOf(data: string | Uint8Array): Uint8Array {
  if (typeof data === 'string') return new TextEncoder().encode(data);
  if (data instanceof Uint8Array) return data.slice();
  throw invalid('file data must be a string or a Uint8Array');
}

function statOf(node: FileNode | DirNode): FileStat {
  return node.kind === 'file' ? { kind: 'file', size: node.data.length, mtimeMs: node.mtimeMs } : { kind: 'directory', size: 0, mtimeMs: node.mtimeMs };
}

/** Waits for an operation's turn; resolves to whether an open should find nothing. */
type Settle = (vanishable: boolean) => Promise<boolean>;

/** An open memory file: the bytes it had when opened, whatever is written to its path later. */
class MemoryFileReader implements FileReader {
  readonly stat: FileStat;
  readonly #data: Uint8Array;
  readonly #settle: Settle;
  #closed = false;

  constructor(data: Uint8Array, stat: FileStat, settle: Settle) {
    this.#data = data;
    this.stat = stat;
    this.#settle = settle;
  }

  async read(position: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    checkReadRange('MemoryFileSource', position, length);
    if (this.#closed) throw new FileError('io', 'read after close');
    await this.#settle(false);
    // A copy: the caller owns it and cannot change the source's bytes.
    const bytes = this.#data.subarray(position, position + length);
    if (into === undefined || into.length < bytes.length) return bytes.slice();
    into.set(bytes);
    return into.subarray(0, bytes.length);
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}

/** Files in memory: deterministic, mutable, with seeded latency and faults. */
export class MemoryFileSource implements FileSource {
  readonly #root: DirNode = { kind: 'directory', children: new Map(), mtimeMs: 0, denied: false };
  readonly #delay: ((seconds: number) => Promise<void>) | undefined;
  readonly #latency: number;
  readonly #jitter: number;
  readonly #random: Random | undefined;
  readonly #io: number;
  readonly #vanish: number;
  readonly #settle: Settle = (vanishable) => this.#turn(vanishable);
  /** The latest modification time given so far: a write without one comes a second later. */
  #latestMs = 0;

  constructor(tree: MemoryTree = {}, options: MemoryFileSourceOptions = {}) {
    checkOptions('MemoryFileSource', options, OPTIONS);
    checkOptions('MemoryFileSource faults', options.faults ?? {}, FAULTS);
    if (options.delay !== undefined && typeof options.delay !== 'function') throw invalid('delay must be a function');
    this.#delay = options.delay;
    this.#latency = checkSeconds('MemoryFileSource', 'latency', options.latency ?? 0);
    this.#jitter = checkSeconds('MemoryFileSource', 'jitter', options.jitter ?? 0);
    this.#io = checkProbability('io', options.faults?.io);
    this.#vanish = checkProbability('vanish', options.faults?.vanish);
    this.#random = options.random;
    if ((this.#latency > 0 || this.#jitter > 0) && this.#delay === undefined) throw invalid('latency and jitter need a delay function to wait with');
    if ((this.#jitter > 0 || this.#io > 0 || this.#vanish > 0) && this.#random === undefined) throw invalid('jitter and faults need a seeded random (a Prng)');
    for (const [path, entry] of Object.entries(tree)) this.#add(path, entry);
  }

  async stat(path: string): Promise<FileStat | null> {
    namesOf(path);
    await this.#turn(false);
    const resolved = this.#resolve(path);
    return resolved === null ? null : statOf(resolved.node);
  }

  async realpath(path: string): Promise<string | null> {
    namesOf(path);
    await this.#turn(false);
    const resolved = this.#resolve(path);
    return resolved === null ? null : `/${resolved.names.join('/')}`;
  }

  async open(path: string): Promise<FileReader | null> {
    namesOf(path);
    const vanished = await this.#turn(true);
    const resolved = this.#resolve(path);
    if (vanished || resolved === null || resolved.node.kind !== 'file') return null;
    if (resolved.node.denied) throw new FileError('denied', 'open failed (EACCES)');
    return new MemoryFileReader(resolved.node.data, statOf(resolved.node), this.#settle);
  }

  /** Entries sorted by name; a symlink is listed as what it points to, or "other" when that cannot be reached. */
  async list(path: string): Promise<DirEntry[] | null> {
    namesOf(path);
    await this.#turn(false);
    const resolved = this.#resolve(path);
    if (resolved === null || resolved.node.kind !== 'directory') return null;
    if (resolved.node.denied) throw new FileError('denied', 'list failed (EACCES)');
    const base = resolved.names.map((name) => `/${name}`).join('');
    const entries: DirEntry[] = [];
    for (const [name, node] of resolved.node.children) {
      if (node.kind !== 'symlink') {
        entries.push({ name, kind: node.kind });
        continue;
      }
      let target: Resolved | null = null;
      try {
        target = this.#resolve(`${base}/${name}`);
      } catch {
        // a loop or a denied directory on the way: the link leads nowhere servable
      }
      entries.push({ name, kind: target === null ? 'other' : target.node.kind });
    }
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /**
   * Writes a file, creating the directories on the way; a symlink at the
   * path is replaced, not written through. Without `mtimeMs` the file is a
   * second newer than anything in the source so far (HTTP dates count whole
   * seconds). Readers already open keep the bytes they opened.
   */
  write(path: string, data: string | Uint8Array, mtimeMs?: number): void {
    this.#place(placeNames(path), { kind: 'file', data: bytesOf(data), mtimeMs: this.#mtime(mtimeMs), denied: false });
  }

  /** Creates a directory and the ones on the way; an existing directory stays as it is. */
  mkdir(path: string, mtimeMs?: number): void {
    this.#place(placeNames(path), { kind: 'directory', children: new Map(), mtimeMs: this.#mtime(mtimeMs), denied: false });
  }

  /** Creates or replaces a symlink at `path` to `target` (absolute, or relative to the link's directory). */
  symlink(path: string, target: string): void {
    if (typeof target !== 'string' || target === '') throw invalid('a symlink target must be a non-empty path');
    this.#place(placeNames(path), { kind: 'symlink', target });
  }

  /** Removes what `path` names (a directory with everything in it; a symlink, not its target); whether anything was there. */
  remove(path: string): boolean {
    const names = placeNames(path);
    const parent = this.#walk(names.slice(0, -1), false);
    return parent !== null && parent.children.delete(names.at(-1)!);
  }

  /** One tree entry, at construction. */
  #add(path: string, entry: MemoryEntry): void {
    if (typeof entry === 'string' || entry instanceof Uint8Array) {
      this.#place(placeNames(path), { kind: 'file', data: bytesOf(entry), mtimeMs: 0, denied: false });
    } else if (typeof entry === 'object' && entry !== null && 'symlink' in entry) {
      this.symlink(path, entry.symlink);
    } else if (typeof entry === 'object' && entry !== null && 'directory' in entry) {
      const names = namesOf(path);
      if (names.length > 0) this.#place(placeNames(path), { kind: 'directory', children: new Map(), mtimeMs: 0, denied: false });
      const directory = this.#walk(names, false)!;
      directory.mtimeMs = this.#mtime(entry.mtimeMs ?? 0);
      directory.denied = entry.denied === true;
    } else if (typeof entry === 'object' && entry !== null && 'data' in entry) {
      const node: FileNode = { kind: 'file', data: bytesOf(entry.data), mtimeMs: this.#mtime(entry.mtimeMs ?? 0), denied: entry.denied === true };
      this.#place(placeNames(path), node);
    } else {
      throw invalid('a tree entry must be a string, bytes, { data }, { directory: true } or { symlink }');
    }
  }

  /** A modification time for a new entry: the one given, or a second after the latest so far. */
  #mtime(mtimeMs: number | undefined): number {
    const chosen = mtimeMs === undefined ? this.#latestMs + 1000 : checkMtime(mtimeMs);
    this.#latestMs = Math.max(this.#latestMs, chosen);
    return chosen;
  }

  /**
   * The directory at `names`, taken literally (no symlink followed); with
   * `create`, missing directories are made. Null when a name is missing;
   * throws when one is not a directory and `create` is set.
   */
  #walk(names: readonly string[], create: boolean): DirNode | null {
    let directory = this.#root;
    for (const name of names) {
      let child = directory.children.get(name);
      if (child === undefined && create) {
        child = { kind: 'directory', children: new Map(), mtimeMs: 0, denied: false };
        directory.children.set(name, child);
      }
      if (child === undefined || child.kind !== 'directory') {
        if (create) throw invalid('a component of the path is not a directory');
        return null;
      }
      directory = child;
    }
    return directory;
  }

  /** Puts `node` at `names`, creating directories on the way; a directory already there stays (for a directory) or refuses (for anything else). */
  #place(names: readonly string[], node: Node): void {
    const parent = this.#walk(names.slice(0, -1), true)!;
    const name = names.at(-1)!;
    const existing = parent.children.get(name);
    if (existing?.kind === 'directory') {
      if (node.kind === 'directory') return;
      throw invalid('cannot replace a directory with a file or a symlink');
    }
    parent.children.set(name, node);
  }

  /**
   * Resolves `path` as a POSIX kernel would: component by component, each
   * directory searched (a denied one throws), every symlink replaced by its
   * target, ".." going up from where the links led. Null when nothing is there, a component is a file, or a
   * trailing "/" follows something that is not a directory.
   */
  #resolve(path: string): Resolved | null {
    const mustBeDirectory = path.length > 1 && path.endsWith('/');
    const pending = namesOf(path);
    const stack: { readonly name: string; readonly node: FileNode | DirNode }[] = [];
    let links = 0;
    while (pending.length > 0) {
      const name = pending.shift()!;
      const directory = stack.at(-1)?.node ?? this.#root;
      if (directory.kind !== 'directory') return null;
      if (directory.denied) throw new FileError('denied', 'lookup failed (EACCES)');
      if (name === '.') continue;
      if (name === '..') {
        stack.pop();
        continue;
      }
      const child = directory.children.get(name);
      if (child === undefined) return null;
      if (child.kind === 'symlink') {
        if (++links > MAX_LINKS) throw new FileError('io', 'lookup failed (ELOOP)');
        if (child.target.startsWith('/')) stack.length = 0;
        pending.unshift(...child.target.split('/').filter((part) => part !== ''));
        continue;
      }
      stack.push({ name, node: child });
    }
    const node = stack.at(-1)?.node ?? this.#root;
    if (mustBeDirectory && node.kind !== 'directory') return null;
    return { node, names: stack.map((entry) => entry.name) };
  }

  /**
   * One operation's turn: its fault and jitter are drawn now, in call
   * order, then it waits for the delay (or the next microtask). Rejects
   * with FileError "io" on an io fault; resolves to whether an open vanishes.
   */
  async #turn(vanishable: boolean): Promise<boolean> {
    const failed = this.#io > 0 && this.#random!.next() < this.#io;
    const vanished = vanishable && this.#vanish > 0 && this.#random!.next() < this.#vanish;
    const seconds = this.#latency + (this.#jitter > 0 ? this.#random!.next() * this.#jitter : 0);
    if (this.#delay === undefined) await Promise.resolve();
    else await this.#delay(seconds);
    if (failed) throw new FileError('io', 'simulated input/output failure');
    return vanished;
  }
}
