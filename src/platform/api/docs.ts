import { specOpenApi, type OpenApiSchema } from './openapi.js';

interface Row {
  field: string;
  type: string;
  default: string;
  description: string;
}

function typeOf(s: OpenApiSchema): string {
  if (Array.isArray(s.enum)) return (s.enum as unknown[]).map((v) => String(v)).join(' \\| ');
  if (s.type === 'array') return `[]${typeOf((s.items ?? {}) as OpenApiSchema)}`;
  if (s.type === 'object' && s.additionalProperties)
    return `map[string]${typeOf(s.additionalProperties as OpenApiSchema)}`;
  return String(s.type ?? 'any');
}

function rows(schema: OpenApiSchema, prefix: string, required: string[], out: Row[]): void {
  for (const [name, prop] of Object.entries((schema.properties ?? {}) as Record<string, OpenApiSchema>)) {
    const field = prefix ? `${prefix}.${name}` : name;
    const hasChildren = prop.type === 'object' && prop.properties;
    const rules = ((prop['x-kubernetes-validations'] ?? []) as Array<{ message: string }>).map(
      (r) => r.message,
    );
    const pattern = prop.pattern ? `Pattern \`${String(prop.pattern)}\`. ` : '';
    out.push({
      field: `\`${field}\`${required.includes(name) ? ' (required)' : ''}`,
      type: hasChildren ? 'object' : typeOf(prop),
      default: prop.default === undefined || hasChildren ? '' : `\`${JSON.stringify(prop.default)}\``,
      description:
        `${pattern}${String(prop.description ?? '')}${rules.length ? ` Rule: ${rules.join('; ')}.` : ''}`.replace(
          /\|/g,
          '\\|',
        ),
    });
    if (hasChildren) rows(prop, field, (prop.required ?? []) as string[], out);
  }
}

/** The API reference table for docs/api.md, generated from the same schema as the XRD. */
export function apiReferenceMarkdown(): string {
  const spec = specOpenApi();
  const out: Row[] = [];
  rows(spec, 'spec', (spec.required ?? []) as string[], out);
  const cross = ((spec['x-kubernetes-validations'] ?? []) as Array<{ message: string }>).map(
    (r) => `- ${r.message}`,
  );
  return [
    '| field | type | default | description |',
    '|---|---|---|---|',
    ...out.map((r) => `| ${r.field} | ${r.type} | ${r.default} | ${r.description} |`),
    '',
    'Rules across fields (CEL, enforced at admission and by `envstack validate`):',
    '',
    ...cross,
  ].join('\n');
}
