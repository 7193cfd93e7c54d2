/**
 * Which Node.js runs the engine child. The engine's native module
 * (better-sqlite3) is compiled for the system Node, not for Electron's ABI, so
 * the desktop app never loads it in its own process: it starts
 * `node bin/switchyard.js serve` with a real Node binary, tried in this order:
 * the one `npm start` ran with (`npm_node_execpath`), `SWITCHYARD_NODE`, then
 * `node` on the PATH.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export function nodeCandidates(env: NodeJS.ProcessEnv): string[] {
  const list = [env.npm_node_execpath, env.SWITCHYARD_NODE, 'node'].filter((c): c is string => typeof c === 'string' && c !== '');
  return [...new Set(list)];
}

export class NodeNotFoundError extends Error {
  constructor(readonly tried: readonly { command: string; reason: string }[]) {
    super(
      'Switchyard needs Node.js (20 or later) to run its engine, and none could be started: ' +
        tried.map((t) => `${t.command} (${t.reason})`).join(', ') +
        '. Install Node.js, or set SWITCHYARD_NODE to the path of a node binary.',
    );
    this.name = 'NodeNotFoundError';
  }
}

/** Spawns `args` with the first candidate that starts; rejects with NodeNotFoundError when none does. */
export async function spawnNode(candidates: readonly string[], args: readonly string[], opts: SpawnOptions): Promise<ChildProcess> {
  const tried: { command: string; reason: string }[] = [];
  for (const command of candidates) {
    const child = spawn(command, args, opts);
    const failure = await new Promise<Error | null>((resolve) => {
      child.once('spawn', () => resolve(null));
      child.once('error', (err) => resolve(err));
    });
    if (failure === null) return child;
    tried.push({ command, reason: (failure as NodeJS.ErrnoException).code ?? failure.message });
  }
  throw new NodeNotFoundError(tried);
}
