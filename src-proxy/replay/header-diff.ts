/**
 * Header comparison over raw pairs: names case-insensitive, repeated headers
 * compared as the ordered list of their values.
 */
export interface HeaderDiff {
  same: boolean;
  added: { name: string; values: string[] }[];
  removed: { name: string; values: string[] }[];
  changed: { name: string; a: string[]; b: string[] }[];
  /** Headers present on both sides with the same values. */
  unchanged: number;
}

interface Group {
  name: string;
  values: string[];
}

function group(raw: readonly string[], ignore: ReadonlySet<string>): Map<string, Group> {
  const out = new Map<string, Group>();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const lower = raw[i].toLowerCase();
    if (ignore.has(lower)) continue;
    const g = out.get(lower);
    if (g) g.values.push(raw[i + 1]);
    else out.set(lower, { name: raw[i], values: [raw[i + 1]] });
  }
  return out;
}

export function diffHeaders(a: readonly string[], b: readonly string[], opts: { ignore?: Iterable<string> } = {}): HeaderDiff {
  const ignore = new Set([...(opts.ignore ?? [])].map((n) => n.toLowerCase()));
  const ga = group(a, ignore);
  const gb = group(b, ignore);
  const diff: HeaderDiff = { same: true, added: [], removed: [], changed: [], unchanged: 0 };
  for (const [lower, left] of ga) {
    const right = gb.get(lower);
    if (right === undefined) diff.removed.push({ name: left.name, values: left.values });
    else if (left.values.length !== right.values.length || left.values.some((v, i) => v !== right.values[i])) {
      diff.changed.push({ name: left.name, a: left.values, b: right.values });
    } else diff.unchanged++;
  }
  for (const [lower, right] of gb) if (!ga.has(lower)) diff.added.push({ name: right.name, values: right.values });
  diff.same = diff.added.length === 0 && diff.removed.length === 0 && diff.changed.length === 0;
  return diff;
}
