/** Runs `(ctx, next)` steps in order; a step that does not call `next` ends the chain. */
export type Step<C> = (ctx: C, next: () => Promise<void>) => Promise<void> | void;

export function compose<C>(steps: readonly Step<C>[]): (ctx: C) => Promise<void> {
  return (ctx) => {
    const run = async (i: number): Promise<void> => {
      const step = steps[i];
      if (step !== undefined) await step(ctx, () => run(i + 1));
    };
    return run(0);
  };
}
