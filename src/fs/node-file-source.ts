/**
 * @module
 * The node:fs file source: files on disk, read through node:fs/promises (the
 * libuv thread pool), never a synchronous call. Each operation's completion
 * is a promise the server's next pass consumes.
 *
 * What a failure means: a path that names nothing (ENOENT, ENOTDIR when a
 * component is a file, ENAMETOOLONG) resolves to null; a permission failure (EACCES,
 * EPERM) rejects with FileError "denied"; anything else (ELOOP, EIO, EMFILE,
 * an invalid path…) with FileError "io". The message names the operation and
 * the system code, never the path; the Node error rides along as `cause`
 * for logs, and that one does hold the path.
 */
import { constants, type Dirent, type Stats } from 'node:fs';
import { open, readdir, realpath, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { checkReadRange, FileError, type DirEntry, type FileKind, type FileReader, type FileSource, type FileStat } from './file-source.js';

/**
 * System codes that mean "nothing is there": no entry, a component that is
 * not a directory, a name too long for any file to have it (so a client
 * asking for one gets a 404, not a 500), and a directory where a file was
 * to be opened (Windows reports that as EISDIR).
 */
const ABSENT = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'EISDIR']);
/** System codes that mean "not allowed". */
const DENIED = new Set(['EACCES', 'EPERM']);

/**
 * Opening read-only and nonblocking: for a regular file O_NONBLOCK changes
 * nothing, but a FIFO would otherwise hold a thread-pool thread until some
 * writer appeared. (Windows has no O_NONBLOCK, nor FIFOs to open: there the
 * constant is undefined, which `|` reads as 0.)
 */
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;

/**
 * What a Node file-system error means to a file source: null for "nothing
 * there", else the FileError to reject with. `operation` names the call in
 * the message ("stat", "open"…); the path never appears in it.
 */
export function fileErrorFrom(operation: string, error: unknown): FileError | null {
  const code = (error as { code?: unknown } | null)?.code;
  const named = typeof code === 'string' ? code : 'unknown';
  if (ABSENT.has(named)) return null;
  const reason = DENIED.has(named) ? 'denied' : 'io';
  return new FileError(reason, `${operation} failed (${named})`, { cause: error });
}

/** Rejects with the FileError for `error`, or resolves to null when it means "nothing there". */
function absentOrThrow(operation: string, error: unknown): null {
  const failure = fileErrorFrom(operation, error);
  if (failure !== null) throw failure;
  return null;
}

function kindOf(stats: Stats | Dirent): FileKind {
  if (stats.isFile()) return 'file';
  if (stats.isDirectory()) return 'directory';
  return 'other';
}

/** A FileStat from Node's stats: the size counts only for a file (a directory's is the file system's business). */
function toFileStat(stats: Stats): FileStat {
  const kind = kindOf(stats);
  return { kind, size: kind === 'file' ? stats.size : 0, mtimeMs: stats.mtimeMs };
}

/**
 * An open file on disk. Its stat is the open handle's, so it describes the
 * file that was opened even if the path is renamed over afterwards; reads
 * stop at the size it had then (a file that grows reads as it was opened,
 * one that shrinks reads short), so a Content-Length taken from `stat`
 * never promises more than a read can give.
 */
class NodeFileReader implements FileReader {
  readonly stat: FileStat;
  readonly #handle: FileHandle;
  #closing: Promise<void> | null = null;

  constructor(handle: FileHandle, stat: FileStat) {
    this.#handle = handle;
    this.stat = stat;
  }

  async read(position: number, length: number, into?: Uint8Array): Promise<Uint8Array> {
    checkReadRange('NodeFileSource', position, length);
    if (this.#closing !== null) throw new FileError('io', 'read after close');
    const wanted = Math.max(0, Math.min(length, this.stat.size - position));
    // A fresh buffer each read: the caller owns it, and no pooled memory is shared. Not zero-filled:
    // only the bytes read are ever handed out.
    const bytes: Uint8Array = into !== undefined && into.length >= wanted ? into.subarray(0, wanted) : Buffer.allocUnsafeSlow(wanted);
    let filled = 0;
    try {
      while (filled < wanted) {
        const { bytesRead } = await this.#handle.read(bytes, filled, wanted - filled, position + filled);
        if (bytesRead === 0) break; // the file shrank since it was opened
        filled += bytesRead;
      }
    } catch (error) {
      throw fileErrorFrom('read', error) ?? new FileError('io', 'read failed (file gone)', { cause: error });
    }
    return filled === wanted ? bytes : bytes.subarray(0, filled);
  }

  close(): Promise<void> {
    this.#closing ??= this.#handle.close().catch((error: unknown) => {
      throw fileErrorFrom('close', error) ?? new FileError('io', 'close failed', { cause: error });
    });
    return this.#closing;
  }
}

/**
 * Files on disk. Paths are absolute, in the platform's form; symlinks are
 * followed everywhere (stat, open, list), as a web server following links
 * would — confine them by comparing {@link realpath} with the root's.
 */
export class NodeFileSource implements FileSource {
  async stat(path: string): Promise<FileStat | null> {
    try {
      return toFileStat(await stat(path));
    } catch (error) {
      return absentOrThrow('stat', error);
    }
  }

  async realpath(path: string): Promise<string | null> {
    try {
      return await realpath(path);
    } catch (error) {
      return absentOrThrow('realpath', error);
    }
  }

  /**
   * Opens a regular file; null for nothing there and for anything that is
   * not a regular file (a directory, a device, a FIFO), which is checked on
   * the open handle so a path swapped between a stat and this open cannot
   * slip something else in.
   */
  async open(path: string): Promise<FileReader | null> {
    let handle: FileHandle;
    try {
      handle = await open(path, OPEN_FLAGS);
    } catch (error) {
      return absentOrThrow('open', error);
    }
    let stats: Stats;
    try {
      stats = await handle.stat();
    } catch (error) {
      await handle.close().catch(() => undefined);
      throw fileErrorFrom('stat', error) ?? new FileError('io', 'stat failed (file gone)', { cause: error });
    }
    if (!stats.isFile()) {
      await handle.close().catch(() => undefined);
      return null;
    }
    return new NodeFileReader(handle, toFileStat(stats));
  }

  /**
   * The directory's entries sorted by name (UTF-16 code units, the same in
   * every locale). A symlink is listed as what it points to, as stat would
   * report it; one that points nowhere, loops or cannot be followed is
   * "other".
   */
  async list(path: string): Promise<DirEntry[] | null> {
    let dirents: Dirent[];
    try {
      dirents = await readdir(path, { withFileTypes: true });
    } catch (error) {
      return absentOrThrow('list', error);
    }
    const entries = await Promise.all(
      dirents.map(async (dirent): Promise<DirEntry> => {
        if (!dirent.isSymbolicLink()) return { name: dirent.name, kind: kindOf(dirent) };
        const target = await stat(join(path, dirent.name)).catch(() => null);
        return { name: dirent.name, kind: target === null ? 'other' : kindOf(target) };
      }),
    );
    return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}
