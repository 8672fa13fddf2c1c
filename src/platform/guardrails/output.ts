import type { Finding, Rule } from './types.js';

export type OutputFormat = 'text' | 'json' | 'sarif';

export function formatText(findings: Finding[]): string {
  if (findings.length === 0) return 'no findings\n';
  const lines = findings.map(
    (f) =>
      `${f.source ? `${f.source}: ` : ''}${f.severity} ${f.ruleId} ${f.resource} ${f.field}: ${f.message}`,
  );
  const errors = findings.filter((f) => f.severity === 'error').length;
  lines.push(`${errors} error(s), ${findings.length - errors} warning(s)`);
  return `${lines.join('\n')}\n`;
}

export function formatJson(findings: Finding[], rules: readonly Rule[]): string {
  const meta = rules.map(({ id, name, severity, seed, description }) => ({
    id,
    name,
    severity,
    seed,
    description,
  }));
  return `${JSON.stringify({ rules: meta, findings }, null, 2)}\n`;
}

/** SARIF 2.1.0: one run, the rules as the driver's reportingDescriptors, findings as logical locations. */
export function toSarif(
  findings: Finding[],
  rules: readonly Rule[],
  version = '0.1.0',
): Record<string, unknown> {
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'envstack',
            version,
            rules: rules.map((r) => ({
              id: r.id,
              name: r.name,
              shortDescription: { text: r.description },
              fullDescription: {
                text: `${r.description} From: ${r.seed.map((s) => `${s.file} § ${s.section}`).join('; ')}`,
              },
              defaultConfiguration: { level: r.severity },
              properties: { seeds: r.seed.map((s) => `${s.file}#${s.section}`) },
            })),
          },
        },
        results: findings.map((f) => ({
          ruleId: f.ruleId,
          ...(index.has(f.ruleId) ? { ruleIndex: index.get(f.ruleId) } : {}),
          level: f.severity,
          message: { text: f.message },
          locations: [
            {
              ...(f.source
                ? { physicalLocation: { artifactLocation: { uri: f.source.split(' ')[0] } } }
                : {}),
              logicalLocations: [
                {
                  name: f.resource,
                  fullyQualifiedName: `${f.source ? `${f.source}/` : ''}${f.resource}/${f.field}`,
                  kind: 'resource',
                },
              ],
            },
          ],
        })),
      },
    ],
  };
}

export function formatFindings(format: OutputFormat, findings: Finding[], rules: readonly Rule[]): string {
  if (format === 'json') return formatJson(findings, rules);
  if (format === 'sarif') return `${JSON.stringify(toSarif(findings, rules), null, 2)}\n`;
  return formatText(findings);
}
