/** The `when` conditions of fault and mock policies: header and query conditions that must all hold. */
import type { ValueMatcher } from '../config/plan.js';
import type { Exchange } from '../pipeline/exchange.js';

export type Condition = (ex: Exchange) => boolean;

type ValueCondition = string | { regex?: string; present?: boolean };

export function compileWhen(when: { headers?: Record<string, ValueCondition>; query?: Record<string, ValueCondition> } | undefined): Condition | null {
  if (!when) return null;
  const headers = Object.entries(when.headers ?? {}).map(([n, c]) => [n.toLowerCase(), matcher(c)] as const);
  const query = Object.entries(when.query ?? {}).map(([n, c]) => [n, matcher(c)] as const);
  if (headers.length === 0 && query.length === 0) return null;
  return (ex) => headers.every(([n, test]) => test(ex.header(n))) && query.every(([n, test]) => test(ex.query(n)));
}

function matcher(c: ValueCondition): ValueMatcher {
  if (typeof c === 'string') return (v) => v === c;
  if (c.regex !== undefined) {
    const re = new RegExp(c.regex);
    return (v) => v !== undefined && re.test(v);
  }
  const present = c.present ?? true;
  return (v) => (v !== undefined) === present;
}

/** Reports regexes in `when` that do not compile. */
export function checkWhen(
  when: { headers?: Record<string, ValueCondition>; query?: Record<string, ValueCondition> } | undefined,
  report: (path: (string | number)[], message: string) => void,
): void {
  for (const kind of ['headers', 'query'] as const) {
    for (const [name, c] of Object.entries(when?.[kind] ?? {})) {
      if (typeof c === 'object' && c.regex !== undefined) {
        try {
          new RegExp(c.regex);
        } catch (e) {
          report(['when', kind, name, 'regex'], `invalid regular expression "${c.regex}": ${(e as Error).message}`);
        }
      }
    }
  }
}
