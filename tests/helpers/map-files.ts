/**
 * A FileSource over a Map of paths to bytes, for file answers in a test:
 * every operation settles as a microtask (so a simulation stays
 * reproducible), opened and closed readers are counted, and faults are set
 * per path — a stat or open that fails with a FileError reason, a read that
 * fails at a position. A reader reads the file as it is now (replace it
 * after opening to see a file change under a response) while its stat stays
 * the one taken at opening.
 */
import { FileError, type DirEntry, type FileFailure, type FileReader, type FileSource, type FileStat } from '../../src/fs/file-source.js';

/** A modification time with a fraction of a second, as file systems keep them. */
export const MTIME = Date.UTC(2025, 5, 1, 12, 30, 15, 250);

interface Entry {
  bytes: Uint8Array;
  mtimeMs: number;
}

export class MapFileSource implements FileSource {
  readonly #files = new Map<string, Entry>();
  /** Readers opened, and closed, so far (a close counts once). */
  opened = 0;
  closed = 0;
  /** Reads asked so far, and the bytes they gave. */
  reads = 0;
  bytesRead = 0;
  /** Stats asked so far. */
  stats = 0;
  /** Paths whose stat and open fail with this reason. */
  readonly failures = new Map<string, FileFailure>();
  /** A read of this path covering this position fails (with "io"). */
  failRead: { readonly path: string; readonly position: number } | null = null;
  /** Called after a file is opened, before the reader is handed out. */
  onOpen: ((path: string) => void) | null = null;

  /** Adds or replaces a file. */
  set(path: string, content: string | Uint8Array, mtimeMs = MTIME): this {
    this.#files.set(path, { bytes: typeof content === 'string' ? Buffer.from(content) : content, mtimeMs });
    return this;
  }

  /** Readers opened and not yet closed. */
  get held(): number {
    return this.opened - this.closed;
  }

  stat(path: string): Promise<FileStat | null> {
    this.stats += 1;
    return this.#settle(path, () => {
      const entry = this.#files.get(path);
      if (entry !== undefined) return { kind: 'file', size: entry.bytes.length, mtimeMs: entry.mtimeMs };
      for (const key of this.#files.keys()) if (key.startsWith(`${path}/`)) return { kind: 'directory', size: 0, mtimeMs: 0 };
      return null;
    });
  }

  realpath(path: string): Promise<string | null> {
    return this.#settle(path, () => (this.#files.has(path) ? path : null));
  }

  #openReader(path: string): FileReader | null {
    const entry = this.#files.get(path);
    if (entry === undefined) return null;
    this.opened += 1;
    const stat: FileStat = { kind: 'file', size: entry.bytes.length, mtimeMs: entry.mtimeMs };
    let closed = false;
    this.onOpen?.(path);
    return {
      stat,
      read: (position, length) => {
        this.reads += 1;
        const fault = this.failRead;
        if (fault !== null && fault.path === path && position <= fault.position && fault.position < position + length) {
          return Promise.reject(new FileError('io', 'read failed'));
        }
        const bytes = Uint8Array.from((this.#files.get(path)?.bytes ?? new Uint8Array(0)).subarray(position, position + length));
        this.bytesRead += bytes.length;
        return Promise.resolve(bytes);
      },
      close: () => {
        if (!closed) {
          closed = true;
          this.closed += 1;
        }
        return Promise.resolve();
      },
    };
  }

  open(path: string): Promise<FileReader | null> {
    return this.#settle(path, () => this.#openReader(path));
  }

  list(_path: string): Promise<DirEntry[] | null> {
    return Promise.resolve(null);
  }

  #settle<T>(path: string, answer: () => T): Promise<T> {
    const failure = this.failures.get(path);
    if (failure !== undefined) return Promise.reject(new FileError(failure, 'refused'));
    return Promise.resolve(answer());
  }
}
