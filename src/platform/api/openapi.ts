import { z } from 'zod';
import { specSchema, statusSchema } from './schema.js';

export type OpenApiSchema = { [key: string]: unknown };

const SAFE_INT = Number.MAX_SAFE_INTEGER;

/**
 * zod's OpenAPI 3.0 output, made structural for Kubernetes: no `additionalProperties: false`,
 * integer enums typed `integer`, no artificial safe-integer bounds.
 */
function structural(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(structural);
  if (node === null || typeof node !== 'object') return node;
  const out: OpenApiSchema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key === 'additionalProperties' && value === false) continue;
    if ((key === 'minimum' && value === -SAFE_INT) || (key === 'maximum' && value === SAFE_INT)) continue;
    if (key === '$schema' || key === 'id') continue;
    out[key] = structural(value);
  }
  const values = out.enum;
  if (Array.isArray(values) && values.every((v) => Number.isInteger(v))) out.type = 'integer';
  return out;
}

function toOpenApi(schema: z.ZodType): OpenApiSchema {
  return structural(z.toJSONSchema(schema, { target: 'openapi-3.0', io: 'input' })) as OpenApiSchema;
}

let spec: OpenApiSchema | undefined;
/** The claim's spec schema. Callers must not mutate it (it is computed once per process). */
export function specOpenApi(): OpenApiSchema {
  spec ??= toOpenApi(specSchema);
  return spec;
}

export function statusOpenApi(): OpenApiSchema {
  return toOpenApi(statusSchema);
}
