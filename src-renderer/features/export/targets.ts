/**
 * The export targets as the picker shows them. The renderer may not import
 * engine runtime code (the build refuses it), so the list is restated here
 * and checked against the engine's `ExportTarget` type: a target added there
 * and missing here is a type error.
 */
import type { ExportTarget } from '../../../src-proxy/export/exporter';

export interface TargetInfo {
  id: ExportTarget;
  label: string;
  /** Monaco language of the generated text. */
  language: 'plaintext' | 'yaml';
}

export const TARGETS = [
  { id: 'nginx', label: 'nginx', language: 'plaintext' },
  { id: 'haproxy', label: 'HAProxy', language: 'plaintext' },
  { id: 'caddy', label: 'Caddy', language: 'plaintext' },
  { id: 'envoy', label: 'Envoy', language: 'yaml' },
  { id: 'traefik', label: 'Traefik', language: 'yaml' },
  { id: 'kong', label: 'Kong', language: 'yaml' },
  { id: 'gateway-api', label: 'Gateway API', language: 'yaml' },
] as const satisfies readonly TargetInfo[];

type Missing = Exclude<ExportTarget, (typeof TARGETS)[number]['id']>;
/** Fails to compile when the engine gains a target this list lacks. */
export const ALL_TARGETS_LISTED: [Missing] extends [never] ? true : Missing = true;

export function targetInfo(id: ExportTarget): TargetInfo {
  return TARGETS.find((t) => t.id === id) ?? { id, label: id, language: 'plaintext' };
}
