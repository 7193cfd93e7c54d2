import type { ReactNode } from 'react';
import schema from '../../../../resources/switchyard.schema.json';

export function Field({ label, hint, children }: { label: string; hint?: string; children: ReactNode }) {
  return (
    <label className="field">
      <span className="field-label">{label}</span>
      {children}
      {hint && <span className="field-hint">{hint}</span>}
    </label>
  );
}

export function FormError({ error }: { error: string | null }) {
  return error ? (
    <p className="form-error" role="alert">
      {error}
    </p>
  ) : null;
}

const namePattern = new RegExp((schema as { properties: { upstreams: { propertyNames: { pattern: string } } } }).properties.upstreams.propertyNames.pattern);

/** Names follow the schema's rule (letters, digits, ".", "_", "-"). */
export function nameProblem(name: string, taken: readonly string[], what: string): string | null {
  if (!name) return `The ${what} needs a name.`;
  if (!namePattern.test(name)) return 'Names use letters, digits, ".", "_" and "-", and start with a letter or digit.';
  if (taken.includes(name)) return `There is already a ${what} called "${name}".`;
  return null;
}

export const splitList = (s: string) =>
  s
    .split(/[,\s]+/)
    .map((x) => x.trim())
    .filter(Boolean);
