/** Adds a field name to a Vary header value unless it (or `*`) is already there. */
export function mergeVary(existing: string | string[] | undefined, field: string): string {
  const current = existing === undefined ? '' : Array.isArray(existing) ? existing.join(', ') : existing;
  const names = current.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean);
  if (names.includes('*') || names.includes(field.toLowerCase())) return current;
  return current === '' ? field : `${current}, ${field}`;
}
