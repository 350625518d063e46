// The benchmark contract's hello world as a Hono application on serve() (hono is a dev dependency).
// Run after `npm run build`:  ../shared/bench/run.sh node-http hono='node scripts/servers/hono-hello.mjs'
import { Hono } from 'hono';
import { serve } from '../../dist/index.js';

const app = new Hono();
app.get('/', (c) => c.text('Hello, World!'));
const handle = serve({ port: Number(process.env.PORT ?? 3000), hostname: process.env.HOST ?? '127.0.0.1', keepAliveTymeout: 60, fetch: app.fetch });
process.on('SIGTERM', () => void handle.close(1).then(() => process.exit(0)));
