/**
 * `switchyard ca path | install-help | regenerate [--data-dir DIR]`: the local CA
 * in `<data-dir>/ca/`. `path` creates the CA when it does not exist yet, so the
 * printed file can be trusted before the first TLS listener starts.
 */
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { caPaths } from '../tls/ca-files.js';
import { caInstallHelp } from '../tls/install-help.js';
import { openLocalCa } from '../tls/local-ca.js';
import { defaultDataDir } from './data-dir.js';
import type { CliIO } from './io.js';

const USAGE = `usage: switchyard ca path [--data-dir DIR]          print the CA certificate's path (creating the CA if needed)
       switchyard ca install-help [--data-dir DIR]  how to trust it (Linux, macOS, Windows, Firefox, Node)
       switchyard ca regenerate [--data-dir DIR]    replace the CA with a new one (trust it again afterwards)`;

export async function caCommand(args: string[], io: CliIO): Promise<number> {
  const { values, positionals } = parseArgs({ args, options: { 'data-dir': { type: 'string' } }, allowPositionals: true, strict: true });
  const [sub, ...extra] = positionals;
  if (extra.length > 0) {
    io.err(USAGE);
    return 2;
  }
  const dataDir = resolve(values['data-dir'] ?? defaultDataDir());
  switch (sub) {
    case 'path':
      io.out((await openLocalCa(dataDir)).certPath);
      return 0;
    case 'install-help':
      io.out(caInstallHelp(caPaths(dataDir).certPath));
      return 0;
    case 'regenerate': {
      const ca = await openLocalCa(dataDir, { regenerate: true });
      io.out(`new CA written to ${ca.certPath}; a running \`switchyard serve\` keeps the old one until restarted. Trust the new one again.`);
      return 0;
    }
    default:
      io.err(USAGE);
      return 2;
  }
}
