import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseDesktopArgs, serveArgs } from './desktop-args.js';
import { nodeCandidates } from './node-binary.js';

describe('desktop arguments', () => {
  it('reads the options it shares with serve and ignores Chromium switches', () => {
    expect(parseDesktopArgs(['--no-sandbox', '.', '--config', 'w.yaml', '--data-dir', '/d', '--demo-traffic', '0'])).toEqual({
      config: 'w.yaml',
      dataDir: '/d',
      demoTraffic: 0,
    });
    expect(parseDesktopArgs(['.'])).toEqual({ config: null, dataDir: null, demoTraffic: 2 });
  });

  it('builds the serve command line of the engine child with absolute paths and no token', () => {
    const args = parseDesktopArgs(['--config', 'w.yaml']);
    expect(serveArgs(args, 'data')).toEqual(['serve', '--ui-port', '0', '--data-dir', resolve('data'), '--stop-on-stdin-eof', '--config', resolve('w.yaml')]);
    expect(serveArgs(parseDesktopArgs(['--demo-traffic', '5']), '/d')).toEqual(['serve', '--ui-port', '0', '--data-dir', '/d', '--stop-on-stdin-eof', '--demo-traffic', '5']);
  });

  it('looks for Node in npm_node_execpath, then SWITCHYARD_NODE, then the PATH', () => {
    expect(nodeCandidates({ npm_node_execpath: '/n/node', SWITCHYARD_NODE: '/s/node' })).toEqual(['/n/node', '/s/node', 'node']);
    expect(nodeCandidates({ SWITCHYARD_NODE: '' })).toEqual(['node']);
  });
});
