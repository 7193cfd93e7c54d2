/**
 * Runs `(ctx, next) => …` steps in order; a step that does not call `next`
 * ends the chain. Synchronous steps stay synchronous: the chain only becomes a
 * promise where a step returns one, which keeps the common request path free
 * of promise allocations.
 */
export type StepResult = void | Promise<void>;
export type Step<C> = (ctx: C, next: () => StepResult) => StepResult;

export function compose<C>(steps: readonly Step<C>[]): (ctx: C) => StepResult {
  return (ctx) => {
    const run = (i: number): StepResult => {
      const step = steps[i];
      return step === undefined ? undefined : step(ctx, () => run(i + 1));
    };
    return run(0);
  };
}
