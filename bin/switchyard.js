#!/usr/bin/env node
// Entry point of the `switchyard` command: runs the compiled CLI from dist/
// (built by `npm run build:node`) and wires in the headless workbench host.
import { existsSync } from 'node:fs';

const cli = new URL('../dist/src-proxy/cli/main.js', import.meta.url);
if (!existsSync(cli)) {
  console.error('switchyard: not built yet — run `npm run build:node` (or `npm start`) first.');
  process.exit(1);
}
// `switchyard history show ID | head`: the reader has gone, which is no error (serve keeps its own stdout handling).
if (process.argv[2] !== 'serve') {
  process.stdout.on('error', (err) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
}
const { runCli } = await import(cli.href);
const host = new URL('../dist/src-main/headless/host.js', import.meta.url);
const startUi = existsSync(host) ? (await import(host.href)).startHeadlessHost : undefined;
process.exitCode = await runCli(process.argv.slice(2), { startUi });
