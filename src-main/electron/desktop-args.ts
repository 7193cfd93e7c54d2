/**
 * The command-line options the desktop app shares with `switchyard serve`
 * (`npm start -- --config FILE --data-dir DIR`), and the `serve` command line
 * of the engine child that the app runs with them.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';

export interface DesktopArgs {
  config: string | null;
  dataDir: string | null;
  demoTraffic: number;
}

/** Reads the shared options; anything else on the command line (Chromium switches, `.`) is left alone. */
export function parseDesktopArgs(argv: readonly string[]): DesktopArgs {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      config: { type: 'string', short: 'c' },
      'data-dir': { type: 'string' },
      'demo-traffic': { type: 'string' },
    },
    strict: false,
    allowPositionals: true,
  });
  const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
  const rate = Number(str(values['demo-traffic']) ?? '2');
  return { config: str(values.config), dataDir: str(values['data-dir']), demoTraffic: Number.isFinite(rate) && rate >= 0 ? rate : 2 };
}

/**
 * Arguments after `bin/switchyard.js` for the engine child: the control API on
 * a free loopback port, the data directory always explicit (the app finds the
 * child's `serve.json` there), paths absolute (the child's working directory
 * is the app's root, not the user's). No `--token`: any local user can read a
 * process's command line, so serve makes its own random token and the app
 * reads it from `serve.json` (mode 0600).
 */
export function serveArgs(args: DesktopArgs, dataDir: string): string[] {
  const out = ['serve', '--ui-port', '0', '--data-dir', resolve(dataDir), '--stop-on-stdin-eof'];
  if (args.config) out.push('--config', resolve(args.config));
  else out.push('--demo-traffic', String(args.demoTraffic));
  return out;
}
