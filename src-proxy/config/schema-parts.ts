/** Value schemas shared by the workspace and policy schemas. */
import { z } from 'zod';
import { DURATION_PATTERN, SIZE_PATTERN } from './units.js';

/** YAML reads `30` as a number: say which unit to add rather than only "expected a string". */
const withUnit = (what: string, units: [string, string]) => (issue: { input?: unknown }) =>
  typeof issue.input === 'number' ? `expected ${what} with its unit, such as "${issue.input}${units[0]}" or "${issue.input}${units[1]}"` : undefined;

export const duration = z
  .string({ error: withUnit('a duration', ['s', 'ms']) })
  .regex(DURATION_PATTERN, { message: 'expected a duration such as 500ms, 2s, 1m or 1h' })
  .describe('A duration: 500ms, 2s, 1m, 1h');
export const size = z
  .string({ error: withUnit('a size', ['B', 'KB']) })
  .regex(SIZE_PATTERN, { message: 'expected a size such as 512B, 64KB, 50MB or 1GB' })
  .describe('A size: 512B, 64KB, 50MB, 1GB');
export const name = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'names use letters, digits, ".", "_" and "-"' });
/** RFC 9110 §5.1: a header name is a token. */
export const headerName = z
  .string()
  .regex(/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/, { message: 'not a valid header name (letters, digits and !#$%&\'*+.^_`|~-)' })
  .describe('A header name (case-insensitive)');
/**
 * Text that goes into a request or response head (header values, hosts,
 * Location): no control characters but tab. A CR or LF would split the head,
 * and node refuses them when sending, so they are caught here with a position.
 */
export const headText = z
  .string()
  // eslint-disable-next-line no-control-regex -- control characters are what is refused
  .regex(/^[^\u0000-\u0008\u000a-\u001f\u007f]*$/, { message: 'contains a control character (CR, LF, NUL…)' });
export const httpMethod = z
  .string()
  .regex(/^[A-Z][A-Z-]*$/, { message: 'HTTP methods are upper case, e.g. GET' })
  .describe('An HTTP method, upper case');
export const statusCode = z.number().int().min(100).max(599);

/** A header or query parameter condition: an exact value, a regex, or presence. */
export const valueCondition = z.union([
  z.string().describe('Exact value'),
  z
    .strictObject({
      regex: z.string().optional().describe('Regular expression the value must match'),
      present: z.boolean().optional().describe('true: must be present; false: must be absent'),
    })
    .describe('Condition on the value'),
]);
