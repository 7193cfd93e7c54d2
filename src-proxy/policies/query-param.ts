/** Removing a credential from the raw query string, keeping every other parameter byte for byte. */

/** `search` without '?'; returns it without every `name=…` (and bare `name`) parameter. */
export function removeQueryParam(search: string, name: string): string {
  if (search === '') return search;
  const kept: string[] = [];
  for (const part of search.split('&')) {
    const eq = part.indexOf('=');
    const key = eq === -1 ? part : part.slice(0, eq);
    if (decodeName(key) !== name) kept.push(part);
  }
  return kept.join('&');
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replaceAll('+', ' '));
  } catch {
    return raw;
  }
}
