/** The `switchyard` command line. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../project-root.js';
import { processIO, type CliIO } from './io.js';
import { caCommand } from './ca-command.js';
import { cacheCommand } from './cache-command.js';
import { exportCommand } from './export-command.js';
import { historyCommand } from './history-command.js';
import { diffCommand } from './diff-command.js';
import { replayCommand } from './replay-command.js';
import { serveCommand, type StartUi } from './serve-command.js';
import { validateCommand } from './validate-command.js';

const USAGE = `usage: switchyard <command> [options]

commands:
  serve [--config FILE] [--data-dir DIR] [--ui-port N | --no-ui] [--token T] [--stop-on-stdin-eof]
        run the gateway (without --config: the demo workspace) and the workbench;
        --stop-on-stdin-eof: stop when stdin closes (for a host that runs serve as its child)
  validate FILE
        check a workspace (FILE - reads standard input); prints FILE:LINE:COL message per problem, exit 1 if invalid
  history search QUERY [--limit N] [--json]
        search captured exchanges, e.g. 'status:5xx host:api.localhost dur>200ms "timeout"'
  history show ID [--json]
        one exchange: what the gateway did, then the request and response with their bodies
  history export-har QUERY -o FILE
        write the matching exchanges as HAR 1.2
  history import-har FILE [--config FILE]
        put a HAR file's exchanges (Switchyard's, a browser's) into history as source:import
  history delete QUERY | history clear --yes
        delete the matching exchanges, or every one
  replay ID [--target URL [-k]] [--listener NAME] [--drop-masked] [-X METHOD] [--url PATH] [-H 'Name: value']... [-d TEXT | --data-file FILE | --no-body]
        resend a captured request through the running gateway, or directly to URL, as it was or edited
        (-H 'Name:' removes a header; masked secrets need a value from -H, or --drop-masked;
        -k/--insecure: do not check the certificate of an https --target)
  diff A B [--json] [--ignore-header NAME]... [--all-headers]
        compare two exchanges (status, headers, bodies: JSON by path, text by line); exit 0 same, 1 different, 2 trouble
        (Date, X-Request-Id, Connection and Keep-Alive are not compared unless --all-headers)
  export --target nginx|haproxy|caddy|envoy|traefik|kong|gateway-api FILE [-o OUT] [--strict] [--include-secrets]
        translate a workspace into a production config; translation notes on stderr
  ca path | ca install-help | ca regenerate
        where the local CA certificate is, and how to trust it
  cache purge [--key KEY | --prefix PREFIX | --all] [--policy NAME] | cache stats
        drop entries from the running gateway's HTTP cache (docs/cache.md), or show its counters

Every command takes --data-dir DIR (default: the user's data directory).
`;

export interface CliOptions {
  startUi?: StartUi;
  io?: CliIO;
}

export async function runCli(argv: string[], opts: CliOptions = {}): Promise<number> {
  const io = opts.io ?? processIO;
  const [command, ...rest] = argv;
  const version = packageVersion();
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(USAGE);
    return 0;
  }
  try {
    switch (command) {
      case 'serve':
        return await serveCommand(rest, io, { startUi: opts.startUi, version });
      case 'validate':
        return await validateCommand(rest, io);
      case 'history':
        return await historyCommand(rest, io, version);
      case 'replay':
        return await replayCommand(rest, io);
      case 'diff':
        return await diffCommand(rest, io);
      case 'export':
        return await exportCommand(rest, io);
      case 'ca':
        return await caCommand(rest, io);
      case 'cache':
        return await cacheCommand(rest, io);
      case '--version':
      case '-v':
        io.out(version);
        return 0;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        io.err(`switchyard: unknown command "${command}"\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    // parseArgs and friends throw TypeErrors with a readable message for bad options.
    io.err(`switchyard ${command}: ${(err as Error).message}`);
    return 2;
  }
}

function packageVersion(): string {
  try {
    return (JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '0.0.0';
  }
}
