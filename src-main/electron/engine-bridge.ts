/**
 * Main's side of the engine: the engine runs in a child Node process (the
 * headless host, engine-child.ts) and main only carries messages. Control
 * calls become `POST /api/rpc/<method>` on the child; the child's event
 * WebSocket is read while at least one window listens. When the child dies
 * unexpectedly, calls answer `503 ENGINE_UNAVAILABLE` and state listeners are
 * told, so main can offer a restart.
 */
import type { RpcEnvelope } from './api.js';
import { describeExit, startEngineChild, type ChildExit, type EngineChild, type EngineChildOptions } from './engine-child.js';
import { openEngineEvents, type EngineEventStream } from './engine-events.js';
import { asProblem, engineUnavailable, rpcFailure } from './rpc-problems.js';

export type EngineState =
  | { state: 'idle' }
  | { state: 'starting' }
  | { state: 'running'; pid: number; api: string }
  /** The child could not be started or did not become ready. */
  | { state: 'failed'; message: string }
  /** The child exited without being asked to. */
  | { state: 'crashed'; message: string; exit: ChildExit }
  | { state: 'stopped' };

/** Batches of events as JSON text (ipc.ts streams them to windows). */
export interface BatchSource {
  on(listener: (batch: string) => void): () => void;
}

export type EngineBridgeOptions = EngineChildOptions & {
  /** How long the child gets to shut down on SIGINT before SIGKILL (serve's own grace is 10 s). */
  graceMs?: number;
};

export class EngineBridge {
  private current: EngineChild | null = null;
  private starting: Promise<void> | null = null;
  private stateValue: EngineState = { state: 'idle' };
  private readonly stateListeners = new Set<(s: EngineState) => void>();
  private readonly batchListeners = new Set<(batch: string) => void>();
  private stream: EngineEventStream | null = null;
  private launching: AbortController | null = null;

  constructor(private readonly opts: EngineBridgeOptions) {}

  get state(): EngineState {
    return this.stateValue;
  }

  onState(listener: (s: EngineState) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  /**
   * Starts the engine child, or replaces the running one (a restart). Resolves
   * once its control API answers; rejects (and the state is `failed`) with a
   * message for people, the child's stderr tail included.
   */
  start(): Promise<void> {
    this.starting ??= this.launch().finally(() => (this.starting = null));
    return this.starting;
  }

  private async launch(): Promise<void> {
    if (this.current) await this.stopChild();
    this.setState({ state: 'starting' });
    let child: EngineChild;
    this.launching = new AbortController();
    try {
      child = await startEngineChild({ ...this.opts, signal: this.launching.signal });
    } catch (err) {
      this.setState({ state: 'failed', message: err instanceof Error ? err.message : String(err) });
      throw err;
    } finally {
      this.launching = null;
    }
    this.current = child;
    void child.exited.then((exit) => {
      if (this.current !== child) return;
      this.current = null;
      this.closeStream();
      const tail = exit.stderrTail ? `\n\nThe engine's last output:\n${exit.stderrTail}` : '';
      this.setState({ state: 'crashed', exit, message: `The engine stopped unexpectedly (${describeExit(exit)}).${tail}` });
    });
    this.setState({ state: 'running', pid: child.pid, api: child.api });
    if (this.batchListeners.size > 0) this.openStream();
  }

  /** One control call, forwarded to the child; waits while the engine is starting. */
  async call(method: string, args: unknown): Promise<RpcEnvelope> {
    if (this.starting) await this.starting.catch(() => undefined);
    const child = this.current;
    if (!child) return engineUnavailable(this.unavailableReason());
    let res: Response;
    try {
      res = await fetch(`${child.api}/api/rpc/${encodeURIComponent(method)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${child.token}`, 'content-type': 'application/json' },
        body: args === undefined ? '' : JSON.stringify(args),
      });
    } catch (err) {
      // The child went away mid-call (its exit is reported separately).
      return engineUnavailable(`The engine did not answer ${method}: ${(err as Error).message}.`);
    }
    let body: unknown;
    try {
      body = JSON.parse(await res.text());
    } catch {
      return rpcFailure(502, 'ENGINE_BAD_RESPONSE', 'The engine sent an invalid answer', `${method} answered ${res.status} without valid JSON.`);
    }
    if (res.ok) return { ok: true, value: body };
    const problem = asProblem(body);
    return problem ? { ok: false, problem } : rpcFailure(res.status, 'INTERNAL', 'Internal error', `${method} failed with status ${res.status}.`);
  }

  /** The child's event batches; the WebSocket is open only while someone listens. */
  readonly events: BatchSource = {
    on: (listener) => {
      this.batchListeners.add(listener);
      if (this.batchListeners.size === 1 && this.current) this.openStream();
      return () => {
        if (this.batchListeners.delete(listener) && this.batchListeners.size === 0) this.closeStream();
      };
    },
  };

  /** Stops the child gracefully (SIGINT, SIGKILL after the grace period); resolves with how it exited, if it ran. */
  async stop(): Promise<ChildExit | null> {
    // A child still starting is killed rather than waited for.
    this.launching?.abort();
    await this.starting?.catch(() => undefined);
    const exit = await this.stopChild();
    this.setState({ state: 'stopped' });
    return exit;
  }

  private async stopChild(): Promise<ChildExit | null> {
    const child = this.current;
    this.current = null;
    this.closeStream();
    return child ? child.stop(this.opts.graceMs ?? 12_000) : null;
  }

  private openStream(): void {
    const child = this.current;
    if (!child || this.stream) return;
    this.stream = openEngineEvents(child.api, child.token, (batch) => {
      for (const l of this.batchListeners) l(batch);
    });
  }

  private closeStream(): void {
    this.stream?.close();
    this.stream = null;
  }

  private unavailableReason(): string {
    const s = this.stateValue;
    if (s.state === 'failed' || s.state === 'crashed') return s.message;
    if (s.state === 'stopped') return 'The engine has been stopped (the app is quitting).';
    return 'The engine has not been started.';
  }

  private setState(next: EngineState): void {
    this.stateValue = next;
    for (const l of this.stateListeners) l(next);
  }
}
