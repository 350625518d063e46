/**
 * `hio … --proxy-protocol`: the flag is read for every server command, and
 * a server started with it (`src/cli.ts` under tsx, port 0, the port read
 * from its listening line) answers a request behind a PROXY header and
 * closes a connection without one, unanswered. Every wait is bounded.
 */
import test from 'ava';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { parseCommandLine } from '../../src/cli/command-line.js';
import { ResponseReader } from '../helpers/http-client.js';
import { exchange } from '../helpers/sockets.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

test('parseCommandLine reads --proxy-protocol for every server command, and leaves it out when absent', (t) => {
  for (const command of ['echo', 'serve', 'conformance', 'bench']) {
    const invocation = parseCommandLine([command, '--proxy-protocol'], {});
    t.true(invocation.action === 'serve' && invocation.settings.proxyProtocol === true, command);
    const plain = parseCommandLine([command], {});
    t.true(plain.action === 'serve' && plain.settings.proxyProtocol === undefined, command);
  }
  const help = parseCommandLine(['serve', '--help'], {});
  t.true(help.action === 'help' && help.text.includes('--proxy-protocol'));
});

test('hio echo --proxy-protocol answers behind a PROXY header and closes a bare connection unanswered', async (t) => {
  t.timeout(60_000);
  const inherited: NodeJS.ProcessEnv = { ...process.env, NODE_V8_COVERAGE: '' };
  delete inherited['PORT'];
  const child = spawn(process.execPath, ['--import=tsx', 'src/cli.ts', 'echo', '--port', '0', '--proxy-protocol'], {
    cwd: ROOT,
    env: inherited,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (text: string) => {
      stdout += text;
      const match = /listening on http:\/\/127\.0\.0\.1:(\d+)\//.exec(stdout);
      if (match !== null) resolve(Number(match[1]));
    });
    child.on('exit', () => reject(new Error(`hio exited: ${stderr}`)));
  });
  const reader = new ResponseReader();
  reader.push(await exchange(port, 'PROXY TCP4 198.51.100.4 127.0.0.1 45000 80\r\nGET /behind HTTP/1.1\r\nHost: hio\r\nConnection: close\r\n\r\n'));
  t.is(reader.responses[0]?.status, 200);
  t.is((JSON.parse(reader.responses[0]!.body.toString()) as { path: string }).path, '/behind');
  t.is((await exchange(port, 'GET / HTTP/1.1\r\nHost: hio\r\n\r\n')).length, 0);
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  t.is(code, 0);
  // The refused connection was reported in one line with its code and the peer's address, no stack.
  t.regex(stderr, /^hio: refused a connection: .*, from 127\.0\.0\.1:\d+ \(HIO_ERR_PROXY_PROTOCOL\)$/m);
  t.notRegex(stderr, /^\s+at /m);
});
