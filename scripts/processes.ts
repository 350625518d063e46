/**
 * @module
 * The child processes of a benchmark script (never part of CI): wrk, curl and
 * the servers under test. Every child is spawned through {@link spawnTracked}
 * and killed with SIGKILL when this process exits, however it exits: a normal
 * end, `process.exit` after an error, or SIGINT/SIGTERM (turned into exit code
 * 130). Importing this module installs those handlers; a script adds its own
 * cleanup with {@link atExit}.
 *
 * A server child is started with PORT=0 and HOST={@link HOST}, picks its port
 * and prints it in a `listening on http://host:port/` line
 * ({@link startServer}); {@link stopServer} ends it with escalating signals.
 * Every wait on a child has a timeout ({@link within}), so a hung child fails
 * the run instead of holding it open.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** The loopback address every server child is told to listen on ($HOST), and the one clients connect to. */
export const HOST = '127.0.0.1';

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** `promise`, or a rejection naming `what` after `ms` milliseconds. The timer is cleared either way. */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ------------------------------------------------------------------ tracking and cleanup

/** Every child still running: killed when this process exits, however it exits. */
const children = new Set<ChildProcess>();
/** The scripts' own cleanups, run after the children are killed. */
const cleanups: Array<() => void> = [];

/**
 * `spawn(command, args, options)`, the child tracked until it exits or fails
 * to start, so that the exit handler kills it if it still runs then.
 */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, options);
  children.add(child);
  child.once('exit', () => children.delete(child));
  child.once('error', () => children.delete(child));
  return child;
}

/**
 * Registers `cleanup` to run when this process exits, after every tracked
 * child has been sent SIGKILL. It runs inside the 'exit' event, so it must be
 * synchronous (rmSync, not rm).
 */
export function atExit(cleanup: () => void): void {
  cleanups.push(cleanup);
}

process.once('exit', () => {
  for (const child of children) child.kill('SIGKILL');
  for (const cleanup of cleanups) cleanup();
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    console.error(`\n${signal}: stopping the child processes`);
    // process.exit runs the 'exit' handler above: the children die with this process.
    process.exit(130);
  });
}

/** How `child` ended (`exited with 1`, `killed by SIGKILL`), or null while it runs. */
export function exitDescription(child: ChildProcess): string | null {
  if (child.exitCode !== null) return `exited with ${child.exitCode}`;
  if (child.signalCode !== null) return `killed by ${child.signalCode}`;
  return null;
}

// ------------------------------------------------------------------ server children

/** How to start a server child with {@link startServer}. */
export interface ServerLaunch {
  /** The server's name in messages and reports: `hio`, `node:http`. */
  readonly name: string;
  /** The program spawned (an absolute path or a name on $PATH) and its arguments. */
  readonly file: string;
  readonly args: readonly string[];
  /** The command as a reader should see it, in messages and reports. */
  readonly command: string;
  /** The child's working directory, against which relative paths in `args` resolve. */
  readonly cwd: string;
  /**
   * The child's stderr: `'pipe'` keeps its first 4 KiB for
   * {@link Server.stderr} and for the message when it dies before printing
   * its address; `'inherit'` passes it through to this process's stderr.
   */
  readonly stderr: 'pipe' | 'inherit';
  /** Milliseconds {@link stopServer} gives a first SIGTERM (hio's CLI drains then) before the second. */
  readonly drainMs: number;
}

/** A running server child, the command that started it, and the port it printed. */
export interface Server {
  readonly name: string;
  readonly command: string;
  readonly child: ChildProcess;
  readonly port: number;
  readonly drainMs: number;
  /** The child's stderr so far (first 4 KiB, trimmed) when piped; '' when inherited. */
  readonly stderr: () => string;
}

/**
 * Spawns a server child (tracked) with PORT=0 and HOST={@link HOST} in its
 * environment and a stdin pipe, whose end tells it this process is gone.
 * Resolves once the child prints `listening on http://host:port/` with the
 * port it took; rejects when it exits or fails to start first, or after 10 s.
 */
export async function startServer(launch: ServerLaunch): Promise<Server> {
  const { name, command } = launch;
  const child = spawnTracked(launch.file, launch.args, { cwd: launch.cwd, env: { ...process.env, PORT: '0', HOST }, stdio: ['pipe', 'pipe', launch.stderr] });
  let stderr = '';
  // The listeners stay: they keep the pipes drained, so a chatty server never blocks on them.
  child.stderr?.on('data', (chunk: Buffer) => {
    if (stderr.length < 4096) stderr += chunk.toString();
  });
  const port = await within(
    new Promise<number>((resolve, reject) => {
      let text = '';
      child.stdout!.on('data', (chunk: Buffer) => {
        if (text.length > 4096) return;
        text += chunk.toString();
        const match = /listening on http:\/\/[^\s/]+:(\d+)\//.exec(text);
        if (match !== null) resolve(Number(match[1]));
      });
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`${name} server (${command}) exited with ${code ?? signal}: ${(text + stderr).trim()}`)));
    }),
    10_000,
    `${name} server (${command}) printing its address`,
  );
  return { name, command, child, port, drainMs: launch.drainMs, stderr: () => stderr.trim() };
}

/**
 * Ends a server child: SIGTERM; after `drainMs` a second SIGTERM (hio's CLI
 * drains on the first, forces on the second); after 2 s more, SIGKILL.
 * Resolves once it has exited (at once if it already had), or 5 s after the
 * SIGKILL; never rejects.
 */
export async function stopServer(server: Server): Promise<void> {
  const child = server.child;
  if (exitDescription(child) !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  for (const [signal, ms] of [
    ['SIGTERM', server.drainMs],
    ['SIGTERM', 2000],
    ['SIGKILL', 5000],
  ] as const) {
    child.kill(signal);
    try {
      await within(exited, ms, `${server.name} exiting on ${signal}`);
      return;
    } catch {
      // not yet: the next signal
    }
  }
}
