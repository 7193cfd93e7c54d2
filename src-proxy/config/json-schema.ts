/**
 * The JSON Schema that editors use for completion, hover docs and squiggles,
 * generated from the zod workspace schema (never written by hand).
 * `npm run schema` writes it to resources/switchyard.schema.json; a unit test
 * fails when the checked-in file differs from what this module produces.
 *
 * Draft-07 rather than zod's default 2020-12: it is the dialect every YAML and
 * JSON editor plugin (monaco-yaml, yaml-language-server, VS Code) supports
 * fully. The schema describes what may be *written* (io: 'input'), so keys
 * with defaults are optional. It checks shape only; cross-references (a route
 * naming an undefined upstream, duplicate names) are left to `switchyard
 * validate`.
 *
 * No Node imports: the renderer may import this module for the editor.
 */
import { z } from 'zod';
import { workspaceSchema } from './schema.js';

export const WORKSPACE_SCHEMA_ID = 'urn:switchyard:workspace-schema:v1';
export const WORKSPACE_SCHEMA_TITLE = 'Switchyard workspace';

/** Formats a draft-07 validator or editor knows; zod also emits its own (e.g. "starts_with"), which are dropped. */
const STANDARD_FORMATS = new Set([
  'date-time', 'date', 'time', 'email', 'idn-email', 'hostname', 'idn-hostname', 'ipv4', 'ipv6',
  'uri', 'uri-reference', 'iri', 'iri-reference', 'uri-template', 'json-pointer', 'relative-json-pointer', 'regex',
]);

type JsonSchemaNode = { [key: string]: unknown };

export function workspaceJsonSchema(): JsonSchemaNode {
  const generated = z.toJSONSchema(workspaceSchema, { io: 'input', target: 'draft-7', unrepresentable: 'throw' }) as JsonSchemaNode;
  const { $schema, ...rest } = tidy(generated) as JsonSchemaNode;
  // Header keys first so the file reads well.
  return { $schema, $id: WORKSPACE_SCHEMA_ID, title: WORKSPACE_SCHEMA_TITLE, ...rest };
}

/** The exact text of resources/switchyard.schema.json: two-space indent, trailing newline. */
export function workspaceJsonSchemaText(): string {
  return JSON.stringify(workspaceJsonSchema(), null, 2) + '\n';
}

/** Drops noise that zod adds but editors and validators do not need. */
function tidy(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(tidy);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonSchemaNode = {};
  for (const [key, value] of Object.entries(node)) {
    // z.number().int() adds ±Number.MAX_SAFE_INTEGER bounds.
    if ((key === 'minimum' || key === 'maximum') && Math.abs(value as number) === Number.MAX_SAFE_INTEGER) continue;
    if (key === 'format' && typeof value === 'string' && !STANDARD_FORMATS.has(value)) continue;
    out[key] = tidy(value);
  }
  return out;
}
