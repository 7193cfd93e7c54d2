/**
 * Kubernetes checks for the Gateway API export, from published schemas:
 * - Gateway and HTTPRoute: the gateway.networking.k8s.io/v1 CRD schemas that
 *   @kubernetes-models/gateway-api ships, run by ajv with every object closed
 *   (CRD schemas leave unknown fields to the API server's pruning, which we
 *   want to catch), and by the package's own validate().
 * - Service, EndpointSlice, Ingress: kubernetes-models' validate() (types,
 *   enums, required fields, generated from the Kubernetes OpenAPI) plus a
 *   closed field list of what an export writes.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { Gateway } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/Gateway';
import { HTTPRoute } from '@kubernetes-models/gateway-api/gateway.networking.k8s.io/v1/HTTPRoute';
import { EndpointSlice } from 'kubernetes-models/discovery.k8s.io/v1/EndpointSlice';
import { Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import { Service } from 'kubernetes-models/v1/Service';
import { shapeProblems, type Shape } from './shape.js';

const require = createRequire(import.meta.url);
const GATEWAY_API = join(dirname(require.resolve('@kubernetes-models/gateway-api/package.json')), 'gateway.networking.k8s.io', 'v1');

const metadata = {
  type: 'object',
  properties: { name: { type: 'string', pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$', maxLength: 253 }, namespace: { type: 'string' }, labels: { type: 'object' }, annotations: { type: 'object' } },
  required: ['name'],
  additionalProperties: false,
};

/** The CRD schema embedded in the package's model file (a JSON object literal). */
function crdSchema(kind: 'Gateway' | 'HTTPRoute'): Record<string, unknown> {
  const text = readFileSync(join(GATEWAY_API, `${kind}.mjs`), 'utf8');
  const start = text.indexOf('const schema = ') + 'const schema = '.length;
  const end = text.indexOf('\n};', start) + 2;
  const schema = JSON.parse(text.slice(start, end)) as { properties: Record<string, unknown> };
  schema.properties.metadata = metadata;
  return close(schema) as Record<string, unknown>;
}

/** Every object schema with properties and no additionalProperties becomes closed. */
function close(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(close);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(node)) out[k] = k === 'properties' ? Object.fromEntries(Object.entries(v as object).map(([p, s]) => [p, close(s)])) : close(v);
  if ('properties' in out && !('additionalProperties' in out)) out.additionalProperties = false;
  return out;
}

let validators: Record<string, ValidateFunction> | null = null;
function crdValidators(): Record<string, ValidateFunction> {
  if (validators) return validators;
  // Formats such as int32 and ipv4 are OpenAPI annotations here; types and patterns carry the checks.
  const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, logger: false });
  validators = { Gateway: ajv.compile(crdSchema('Gateway')), HTTPRoute: ajv.compile(crdSchema('HTTPRoute')) };
  return validators;
}

const str = 'string' as const;
const meta: Shape = { fields: { name: str, labels: { map: str } }, required: ['name'] };
const port: Shape = { fields: { name: str, port: 'int', protocol: { enum: ['TCP', 'UDP', 'SCTP'] }, appProtocol: str, targetPort: 'any' } };
const FIELD_LISTS: Record<string, Shape> = {
  Service: {
    fields: { apiVersion: { enum: ['v1'] }, kind: str, metadata: meta, spec: { fields: { type: { enum: ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'] }, externalName: str, ports: { list: port }, selector: { map: str } } } },
  },
  EndpointSlice: {
    fields: {
      apiVersion: { enum: ['discovery.k8s.io/v1'] }, kind: str, metadata: meta, addressType: { enum: ['IPv4', 'IPv6', 'FQDN'] },
      ports: { list: port }, endpoints: { list: { fields: { addresses: { list: str }, conditions: 'any' } } },
    },
  },
  Ingress: {
    fields: {
      apiVersion: { enum: ['networking.k8s.io/v1'] }, kind: str, metadata: meta,
      spec: {
        fields: {
          ingressClassName: str,
          tls: { list: { fields: { hosts: { list: str }, secretName: str } } },
          rules: {
            list: {
              fields: {
                host: str,
                http: {
                  fields: {
                    paths: {
                      list: {
                        fields: { path: str, pathType: { enum: ['Exact', 'Prefix', 'ImplementationSpecific'] }, backend: { fields: { service: { fields: { name: str, port: { fields: { number: 'int', name: str } } } } } } },
                      },
                    },
                  },
                },
              },
            },
          },
        },
      },
    },
  },
};

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

// Each model's constructor takes its own typed interface; documents here are parsed YAML.
const MODELS = { Gateway, HTTPRoute, Service, EndpointSlice, Ingress } as unknown as Record<string, new (data: Any) => { validate(): void }>;

/** Problems in one Kubernetes document, by its kind. */
export function k8sProblems(doc: Any): string[] {
  const kind = String(doc.kind);
  const Model = MODELS[kind];
  if (!Model) return [`unexpected kind ${kind}`];
  const problems: string[] = [];
  const name = String(doc.metadata?.name);
  try {
    new Model(doc).validate();
  } catch (err) {
    problems.push(`${kind} ${name}: ${(err as Error).message}`);
  }
  const crd = crdValidators()[kind];
  if (crd && !crd(doc)) {
    for (const e of crd.errors ?? []) problems.push(`${kind} ${name}: ${e.instancePath || '/'} ${e.message}${e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ''}`);
  }
  const fields = FIELD_LISTS[kind];
  if (fields) problems.push(...shapeProblems(doc, fields, `${kind} ${name}`));
  return problems;
}

/** Cross-document checks: routes name the Gateway and existing listeners; backendRefs name Services; EndpointSlices belong to Services. */
export function gatewayReferenceProblems(docs: Any[]): string[] {
  const problems: string[] = [];
  const gateways = new Map(docs.filter((d) => d.kind === 'Gateway').map((g) => [g.metadata.name, new Set((g.spec.listeners as Any[]).map((l) => l.name))]));
  const services = new Set(docs.filter((d) => d.kind === 'Service').map((s) => s.metadata.name));
  for (const r of docs.filter((d) => d.kind === 'HTTPRoute')) {
    for (const p of r.spec.parentRefs ?? []) {
      const listeners = gateways.get(p.name);
      if (!listeners) problems.push(`HTTPRoute ${r.metadata.name}: parent ${p.name} is not a Gateway here`);
      else if (p.sectionName && !listeners.has(p.sectionName)) problems.push(`HTTPRoute ${r.metadata.name}: Gateway ${p.name} has no listener ${p.sectionName}`);
    }
    for (const rule of r.spec.rules ?? []) for (const b of rule.backendRefs ?? []) if (!services.has(b.name)) problems.push(`HTTPRoute ${r.metadata.name}: backend ${b.name} is not a Service here`);
  }
  for (const s of docs.filter((d) => d.kind === 'EndpointSlice')) {
    const owner = s.metadata.labels?.['kubernetes.io/service-name'];
    if (!services.has(owner)) problems.push(`EndpointSlice ${s.metadata.name}: service ${owner} is not here`);
  }
  for (const i of docs.filter((d) => d.kind === 'Ingress')) {
    for (const rule of i.spec.rules ?? []) for (const p of rule.http?.paths ?? []) if (!services.has(p.backend.service.name)) problems.push(`Ingress ${i.metadata.name}: backend ${p.backend.service.name} is not a Service here`);
  }
  return problems;
}
