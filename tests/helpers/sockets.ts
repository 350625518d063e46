/**
 * Small real-socket and waiting helpers shared by tests: a one-shot raw
 * exchange with a server, and a bound on how long a test waits for a promise.
 */
import { connect } from 'node:net';

/** Connects to 127.0.0.1:`port`, writes `bytes`, and resolves with everything received once the server closes (or resets). */
export function exchange(port: number, bytes: string | Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('close', () => resolve(Buffer.concat(chunks)));
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? resolve(Buffer.concat(chunks)) : reject(error)));
    if (typeof bytes === 'string') socket.write(bytes, 'latin1');
    else socket.write(bytes);
  });
}

/** `promise`, or a rejection naming `what()` once `ms` milliseconds passed first (the timer cleared either way). */
export async function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what()}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
