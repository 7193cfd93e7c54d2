/**
 * Traefik's file provider and decK both run the whole file (comments too)
 * through Go's text/template before reading the YAML: Traefik with `{{ }}`
 * (and sprig's `env`), decK with `${{ }}`. A workspace value holding the
 * opening delimiter would be executed — an environment variable read into
 * the config, or a file that does not load. Each literal delimiter is written
 * as a template action printing it from a raw string, e.g. {{`{{`}}.
 */

/** Traefik dynamic configuration: every `{{` becomes {{`{{`}}. */
export function escapeTraefikTemplates(text: string): string {
  return text.replace(/\{\{/g, '{{`{{`}}');
}

/** decK state files: every `${{` that is not one of the exporter's own secret references becomes ${{`${{`}}. */
export function escapeDeckTemplates(text: string): string {
  return text.replace(/\$\{\{(?! env "DECK_SWITCHYARD_SECRET_[A-Z0-9_]+" \}\})/g, '${{`${{`}}');
}
