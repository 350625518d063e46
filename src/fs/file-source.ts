/**
 * @module
 * File sources: the one interface through which the server reads files,
 * with a node:fs backend and an in-memory one (so file serving runs inside a
 * simulation, deterministically). Every operation is asynchronous; its
 * completion is a fact the server's next pass consumes, as a socket event
 * is. Nothing here blocks the tick.
 *
 * Paths are absolute and use "/" (the node:fs backend takes the platform's
 * own too). A path that names nothing resolves to null, never throws; other
 * failures reject with a {@link FileError} whose `reason` says which kind,
 * and whose message never holds the path.
 */
import { HioError } from '../core/errors.js';

/** What a path names. */
export type FileKind = 'file' | 'directory' | 'other';

/** What a stat reports. */
export interface FileStat {
  readonly kind: FileKind;
  /** Size in bytes (0 for a directory). */
  readonly size: number;
  /** Last modification, milliseconds since the epoch, as the file system keeps it. */
  readonly mtimeMs: number;
}

/** One entry of a directory. */
export interface DirEntry {
  readonly name: string;
  readonly kind: FileKind;
}

/** An open file, read at positions. */
export interface FileReader {
  /** Size and modification time of the file that was opened (not of whatever the path names later). */
  readonly stat: FileStat;
  /**
   * Reads up to `length` bytes at `position`: fewer only at the end of the
   * file. Given `into` (at least `length` bytes), reads into it and returns a
   * view of it, so a caller can reuse its buffers; a source may ignore it.
   */
  read(position: number, length: number, into?: Uint8Array): Promise<Uint8Array>;
  /** Closes the file; closing twice is harmless. */
  close(): Promise<void>;
}

/** Files to serve. */
export interface FileSource {
  /** The path's stat, symlinks followed; null when nothing is there. */
  stat(path: string): Promise<FileStat | null>;
  /** The path with every symlink resolved; null when nothing is there. */
  realpath(path: string): Promise<string | null>;
  /** Opens a file for reading; null when nothing is there (or it is not a file). */
  open(path: string): Promise<FileReader | null>;
  /** The entries of a directory, sorted by name; null when nothing is there (or it is not a directory). */
  list(path: string): Promise<DirEntry[] | null>;
}

/** Why a file operation failed. */
export type FileFailure = 'denied' | 'io';

/** A file operation failed for another reason than the file not being there. */
export class FileError extends HioError {
  /** "denied" (permissions: answer 403) or "io" (anything else: answer 500). */
  readonly reason: FileFailure;

  constructor(reason: FileFailure, message: string, options?: { cause?: unknown }) {
    super('HIO_ERR_FILE', message, options);
    this.name = 'FileError';
    this.reason = reason;
  }
}

/**
 * Throws HIO_ERR_INVALID_OPTION unless a read's position and length are
 * integers ≥ 0: a bad range is the caller's mistake, not a file's failure.
 */
export function checkReadRange(owner: string, position: number, length: number): void {
  if (!Number.isSafeInteger(position) || position < 0 || !Number.isSafeInteger(length) || length < 0) {
    throw new HioError('HIO_ERR_INVALID_OPTION', `${owner}: read needs integer position and length >= 0, got ${String(position)}, ${String(length)}`);
  }
}
