/**
 * Command-line arguments for commands that take a query. Node 20's parseArgs
 * reads any argument that starts with '-' as options, so a query like
 * `-status:200` failed with "Unknown option '-s'" (it has no allowNegative).
 * An option never holds ':', '"' or whitespace and a query term with a field,
 * a phrase or two terms does, so such an argument is taken as the query.
 * A lone negated word (`-timeout`) still looks like options: it goes after
 * `--`, which the error then says.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/** Starts with one '-', is not a short option given its value inline (`-oFILE`), and holds what no option does. */
function isQueryTerm(arg: string, options: Options): boolean {
  if (arg.length < 2 || arg[0] !== '-' || arg[1] === '-') return false;
  const inlineValue = Object.values(options).some((o) => o.short === arg[1] && o.type === 'string');
  return !inlineValue && /[\s:"]/u.test(arg);
}

export function parseQueryArgs<O extends Options>(args: string[], options: O) {
  const end = args.indexOf('--');
  const before = end < 0 ? args : args.slice(0, end);
  const after = end < 0 ? [] : args.slice(end + 1);
  const terms = before.filter((a) => isQueryTerm(a, options));
  const rest = before.filter((a) => !isQueryTerm(a, options));
  try {
    // Everything after '--' is positional: the query terms join what was there.
    return parseArgs({ args: [...rest, '--', ...terms, ...after], options, allowPositionals: true, strict: true });
  } catch (err) {
    if ((err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      throw new TypeError(`${(err as Error).message} (a query that starts with '-' and has no ':' goes after --, as in: -- -timeout)`);
    }
    throw err;
  }
}
