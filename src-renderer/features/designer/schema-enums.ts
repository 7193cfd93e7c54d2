/** Choices offered by the forms, read from the generated JSON Schema (so they follow the engine's zod schema). */
import schema from '../../../resources/switchyard.schema.json';

interface SchemaNode {
  enum?: string[];
  properties?: Record<string, SchemaNode>;
  additionalProperties?: SchemaNode | boolean;
}

const root = schema as unknown as SchemaNode;
const upstream = root.properties?.upstreams?.additionalProperties;

export const BALANCERS: readonly string[] = (typeof upstream === 'object' && upstream.properties?.balancer?.enum) || ['round-robin'];

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;
