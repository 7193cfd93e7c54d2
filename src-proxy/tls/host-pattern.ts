/** SNI name matching: exact names, and "*.example.test" covering exactly one more label. */
export function matchesHostPattern(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  if (!p.startsWith('*.')) return p === name;
  const suffix = p.slice(1); // ".example.test"
  if (!name.endsWith(suffix)) return false;
  const label = name.slice(0, name.length - suffix.length);
  return label.length > 0 && !label.includes('.');
}

/** The DNS names and IP addresses a certificate covers (SAN, else its CN). */
export function certificateNames(subjectAltName: string | undefined, subject: string): string[] {
  if (subjectAltName) {
    const names: string[] = [];
    for (const entry of subjectAltName.split(/,\s*/)) {
      const m = /^(DNS|IP Address):(.+)$/.exec(entry);
      if (m) names.push(m[2].toLowerCase());
    }
    if (names.length > 0) return names;
  }
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(subject);
  return cn ? [cn[1].toLowerCase()] : [];
}
