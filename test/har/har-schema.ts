/** The HAR 1.2 JSON Schema fixture, compiled with ajv. */
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';

const schema = JSON.parse(readFileSync(new URL('./har-1.2.schema.json', import.meta.url), 'utf8')) as object;
const ajv = new Ajv({ allErrors: true, strict: true });
export const validateHar = ajv.compile(schema);

export function harErrors(har: unknown): string {
  return validateHar(har) ? '' : ajv.errorsText(validateHar.errors, { separator: '\n' });
}
