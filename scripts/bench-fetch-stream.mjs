// Slow download from a fetch handler (never part of CI): a streamed response
// of --mb MB (default 100) read by `curl --limit-rate` at --rate bytes/s
// (default 1 MiB/s); the server's RSS (VmRSS) is sampled every 250 ms and its
// growth over the RSS before the download is printed, with whether every byte
// arrived. Run after `npm run build`:
//   node scripts/bench-fetch-stream.mjs [--mb=100] [--rate=1048576]
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const arg = (name, fallback) => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);
const mb = arg('mb', 100);
const rate = arg('rate', 1024 * 1024);
const rss = (pid) => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

if (spawnSync('curl', ['--version']).status !== 0) throw new Error('curl is needed');
const server = spawn(process.execPath, [new URL('servers/fetch-stream.mjs', import.meta.url).pathname], {
  env: { ...process.env, PORT: '0', HOST: '127.0.0.1' },
  stdio: ['ignore', 'pipe', 'inherit'],
});
process.on('exit', () => server.kill('SIGKILL'));
const port = await new Promise((resolve, reject) => {
  let text = '';
  server.stdout.on('data', (chunk) => {
    text += chunk;
    const match = /listening on http:\/\/[^\s/]+:(\d+)\//.exec(text);
    if (match) resolve(Number(match[1]));
  });
  server.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
});
const before = rss(server.pid);
let max = before;
const sampler = setInterval(() => (max = Math.max(max, rss(server.pid))), 250);
const started = process.hrtime.bigint();
const curl = spawn('curl', ['-s', '-o', '/dev/null', '-w', '%{size_download}', '--limit-rate', String(rate), `http://127.0.0.1:${port}/stream?mb=${mb}`]);
let size = '';
curl.stdout.on('data', (chunk) => (size += chunk));
await new Promise((resolve) => curl.once('exit', resolve));
clearInterval(sampler);
const seconds = Number(process.hrtime.bigint() - started) / 1e9;
const expected = mb * 1024 * 1024;
console.log(
  `${mb} MB at ${rate} B/s: ${Number(size) === expected ? 'complete' : `INCOMPLETE (${size} of ${expected})`} in ${seconds.toFixed(1)} s; ` +
    `server RSS ${(before / 1024).toFixed(1)} MiB before, ${(max / 1024).toFixed(1)} MiB at most: growth ${((max - before) / 1024).toFixed(1)} MiB`,
);
server.kill('SIGTERM');
