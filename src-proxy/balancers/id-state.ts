/** Per-target state that balancers keep keyed by target id. */
export interface IdEntry {
  /** Pick counter value when this id was last among the candidates. */
  seen: number;
}

/** How often (in picks) state for ids that have disappeared is swept. */
const SWEEP_EVERY = 1024;
/** An id absent from the candidates for more than this many picks loses its state. */
const STALE_AFTER = 65536;

/**
 * A Map from target id to mutable state, plus a pick counter. Ids that stop
 * appearing among the candidates (removed by a config re-apply, or down for a
 * long time) are forgotten by a sweep every {@link SWEEP_EVERY} picks, so the
 * map cannot grow without bound. Entries are mutated in place: a steady-state
 * pick allocates nothing.
 */
export class IdState<E extends IdEntry> {
  private readonly map = new Map<string, E>();
  private tick = 0;

  constructor(private readonly create: () => E) {}

  /** Start a pick; returns the new tick to pass to {@link get}. */
  begin(): number {
    const tick = ++this.tick;
    if (tick % SWEEP_EVERY === 0 && this.map.size > 0) {
      for (const [id, e] of this.map) {
        if (tick - e.seen > STALE_AFTER) this.map.delete(id);
      }
    }
    return tick;
  }

  /** The entry for `id` (created on first sight), marked as seen at `tick`. */
  get(id: string, tick: number): E {
    let e = this.map.get(id);
    if (e === undefined) {
      e = this.create();
      this.map.set(id, e);
    }
    e.seen = tick;
    return e;
  }

  /** Number of ids with state (for tests and diagnostics). */
  get size(): number {
    return this.map.size;
  }
}
