/**
 * A FileSource over node:fs/promises, small and for tests on real sockets:
 * stat and open only (realpath and list as node:fs gives them), errors
 * mapped to FileError reasons.
 */
import { open, readdir, realpath, stat } from 'node:fs/promises';
import { FileError, type DirEntry, type FileReader, type FileSource, type FileStat } from '../../src/fs/file-source.js';

function failure(error: unknown): null {
  const code = (error as { code?: string }).code;
  if (code === 'ENOENT' || code === 'ENOTDIR') return null;
  throw new FileError(code === 'EACCES' || code === 'EPERM' ? 'denied' : 'io', 'file operation failed', { cause: error });
}

export class DiskFileSource implements FileSource {
  async stat(path: string): Promise<FileStat | null> {
    try {
      const found = await stat(path);
      return { kind: found.isFile() ? 'file' : found.isDirectory() ? 'directory' : 'other', size: found.size, mtimeMs: found.mtimeMs };
    } catch (error) {
      return failure(error);
    }
  }

  async realpath(path: string): Promise<string | null> {
    try {
      return await realpath(path);
    } catch (error) {
      return failure(error);
    }
  }

  async open(path: string): Promise<FileReader | null> {
    try {
      const handle = await open(path, 'r');
      const found = await handle.stat();
      if (!found.isFile()) {
        await handle.close();
        return null;
      }
      let closing: Promise<void> | null = null;
      return {
        stat: { kind: 'file', size: found.size, mtimeMs: found.mtimeMs },
        async read(position, length, into) {
          const buffer = into !== undefined && into.length >= length ? into : Buffer.alloc(length);
          const { bytesRead } = await handle.read(buffer, 0, length, position);
          return buffer.subarray(0, bytesRead);
        },
        close() {
          closing ??= handle.close();
          return closing;
        },
      };
    } catch (error) {
      return failure(error);
    }
  }

  async list(path: string): Promise<DirEntry[] | null> {
    try {
      const entries = await readdir(path, { withFileTypes: true });
      return entries
        .map((entry): DirEntry => ({ name: entry.name, kind: entry.isFile() ? 'file' : entry.isDirectory() ? 'directory' : 'other' }))
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    } catch (error) {
      return failure(error);
    }
  }
}
