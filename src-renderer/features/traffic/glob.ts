/**
 * `*` wildcard matching, case-insensitive, without regular expressions: a
 * regex like `^/api.*v.*2.*x$` backtracks polynomially, and a hostile 16 KB
 * URL then freezes the Traffic view. The greedy leftmost match below is
 * correct for `*`-only patterns and costs at most one `indexOf` per part.
 */
export function globMatcher(pattern: string, anchorEnd: boolean): (value: string) => boolean {
  const parts = pattern.toLowerCase().split('*');
  const first = parts[0];
  const last = parts[parts.length - 1];
  return (value) => {
    const v = value.toLowerCase();
    if (!v.startsWith(first)) return false;
    if (parts.length === 1) return !anchorEnd || v.length === first.length;
    let at = first.length;
    for (let i = 1; i < parts.length - 1; i++) {
      const found = v.indexOf(parts[i], at);
      if (found === -1) return false;
      at = found + parts[i].length;
    }
    return anchorEnd ? v.length - last.length >= at && v.endsWith(last) : v.indexOf(last, at) !== -1;
  };
}
