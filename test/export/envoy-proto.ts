/**
 * Checks Envoy YAML against Envoy's own API: the v3 .proto files that
 * @grpc/grpc-js-xds ships (the envoyproxy/data-plane-api tree), loaded with
 * protobufjs. Every key must be a field of its message (proto3 JSON names as
 * written in the protos), enums must name a value, scalars must have the
 * right JSON type, at most one field of each oneof, and `Any` values are
 * checked against the message their "@type" names.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import protobuf from 'protobufjs';

const require = createRequire(import.meta.url);
const DEPS = join(dirname(require.resolve('@grpc/grpc-js-xds/package.json')), 'deps');
const PROTOBUFJS = dirname(require.resolve('protobufjs/package.json'));
const INCLUDE = ['envoy-api', 'xds', 'googleapis', 'protoc-gen-validate'].map((d) => join(DEPS, d));

/** Every extension the exporter may name in a typed_config. */
const FILES = [
  'envoy/config/bootstrap/v3/bootstrap.proto',
  'envoy/extensions/filters/network/http_connection_manager/v3/http_connection_manager.proto',
  'envoy/extensions/filters/http/router/v3/router.proto',
  'envoy/extensions/filters/http/cors/v3/cors.proto',
  'envoy/extensions/filters/http/rbac/v3/rbac.proto',
  'envoy/extensions/filters/http/jwt_authn/v3/config.proto',
  'envoy/extensions/filters/http/basic_auth/v3/basic_auth.proto',
  'envoy/extensions/filters/http/local_ratelimit/v3/local_rate_limit.proto',
  'envoy/extensions/filters/http/buffer/v3/buffer.proto',
  'envoy/extensions/filters/http/compressor/v3/compressor.proto',
  'envoy/extensions/compression/gzip/compressor/v3/gzip.proto',
  'envoy/extensions/compression/brotli/compressor/v3/brotli.proto',
  'envoy/extensions/compression/zstd/compressor/v3/zstd.proto',
  'envoy/extensions/filters/http/fault/v3/fault.proto',
  'envoy/extensions/filters/http/cache/v3/cache.proto',
  'envoy/extensions/filters/http/stateful_session/v3/stateful_session.proto',
  'envoy/extensions/http/stateful_session/cookie/v3/cookie.proto',
  'envoy/extensions/http/cache/simple_http_cache/v3/config.proto',
  'envoy/extensions/transport_sockets/tls/v3/tls.proto',
  'envoy/extensions/filters/listener/tls_inspector/v3/tls_inspector.proto',
  'envoy/extensions/retry/host/previous_hosts/v3/previous_hosts.proto',
  'envoy/extensions/upstreams/http/v3/http_protocol_options.proto',
];

let root: protobuf.Root | null = null;

function loadRoot(): protobuf.Root {
  if (root) return root;
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => {
    // Well-known types: protobufjs bundles most (any, duration, …) and ships descriptor.proto.
    if (target.startsWith('google/protobuf/')) return existsSync(join(PROTOBUFJS, target)) ? join(PROTOBUFJS, target) : target;
    return INCLUDE.map((dir) => join(dir, target)).find((candidate) => existsSync(candidate)) ?? target;
  };
  r.loadSync(FILES, { keepCase: true });
  r.resolveAll();
  root = r;
  return r;
}

const INT = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);
const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const WRAPPERS: Record<string, string> = {
  'google.protobuf.BoolValue': 'bool',
  'google.protobuf.UInt32Value': 'uint32',
  'google.protobuf.Int32Value': 'int32',
  'google.protobuf.UInt64Value': 'uint64',
  'google.protobuf.Int64Value': 'int64',
  'google.protobuf.DoubleValue': 'double',
  'google.protobuf.FloatValue': 'float',
  'google.protobuf.StringValue': 'string',
};

/** Problems in `json` as an instance of the message `typeName`, each as "path: what". */
export function envoyProblems(json: unknown, typeName = 'envoy.config.bootstrap.v3.Bootstrap'): string[] {
  const r = loadRoot();
  const problems: string[] = [];
  checkMessage(r, r.lookupType(typeName), json, typeName, problems);
  return problems;
}

function checkMessage(r: protobuf.Root, type: protobuf.Type, json: unknown, path: string, out: string[]): void {
  const full = type.fullName.slice(1);
  if (full === 'google.protobuf.Duration') {
    if (typeof json !== 'string' || !/^-?\d+(\.\d+)?s$/.test(json)) out.push(`${path}: expected a duration such as "1.5s", got ${JSON.stringify(json)}`);
    return;
  }
  if (full in WRAPPERS) return checkScalar(WRAPPERS[full], json, path, out);
  if (full === 'google.protobuf.Struct' || full === 'google.protobuf.Value') return;
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    out.push(`${path}: expected an object (${full})`);
    return;
  }
  const obj = json as Record<string, unknown>;
  if (full === 'google.protobuf.Any') {
    const url = obj['@type'];
    if (typeof url !== 'string' || !url.startsWith('type.googleapis.com/')) {
      out.push(`${path}: Any needs "@type": "type.googleapis.com/…"`);
      return;
    }
    const inner = url.slice('type.googleapis.com/'.length);
    let innerType: protobuf.Type;
    try {
      innerType = r.lookupType(inner);
    } catch {
      out.push(`${path}: unknown @type ${inner}`);
      return;
    }
    const { ['@type']: _, ...rest } = obj;
    checkMessage(r, innerType, rest, `${path}<${inner.split('.').at(-1)}>`, out);
    return;
  }
  const oneofUse = new Map<string, string>();
  for (const [key, value] of Object.entries(obj)) {
    const field = type.fields[key];
    if (!field) {
      out.push(`${path}.${key}: no such field in ${full}`);
      continue;
    }
    if (field.partOf) {
      const other = oneofUse.get(field.partOf.name);
      if (other) out.push(`${path}: ${other} and ${key} are both set, but belong to one oneof (${field.partOf.name})`);
      oneofUse.set(field.partOf.name, key);
    }
    const at = `${path}.${key}`;
    if (field.map) {
      if (typeof value !== 'object' || value === null) out.push(`${at}: expected a map`);
      else for (const [k, v] of Object.entries(value)) checkValue(r, field, v, `${at}[${k}]`, out);
    } else if (field.repeated) {
      if (!Array.isArray(value)) out.push(`${at}: expected a list`);
      else value.forEach((v, i) => checkValue(r, field, v, `${at}[${i}]`, out));
    } else {
      checkValue(r, field, value, at, out);
    }
  }
}

function checkValue(r: protobuf.Root, field: protobuf.Field, value: unknown, path: string, out: string[]): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Enum) {
    if (typeof value === 'string' ? !(value in resolved.values) : typeof value !== 'number') {
      out.push(`${path}: ${JSON.stringify(value)} is not a value of ${resolved.fullName.slice(1)} (${Object.keys(resolved.values).join(', ')})`);
    }
  } else if (resolved instanceof protobuf.Type) {
    checkMessage(r, resolved, value, path, out);
  } else {
    checkScalar(field.type, value, path, out);
  }
}

function checkScalar(type: string, value: unknown, path: string, out: string[]): void {
  const ok =
    type === 'string' || type === 'bytes'
      ? typeof value === 'string'
      : type === 'bool'
        ? typeof value === 'boolean'
        : INT.has(type)
          ? Number.isInteger(value) && (!type.startsWith('u') && !type.startsWith('fixed') || (value as number) >= 0)
          : INT64.has(type)
            ? Number.isInteger(value) || (typeof value === 'string' && /^-?\d+$/.test(value))
            : typeof value === 'number';
  if (!ok) out.push(`${path}: ${JSON.stringify(value)} is not a valid ${type}`);
}
