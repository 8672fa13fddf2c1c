import { type JsonObject, type Unstructured, isObject } from '../../core/json.js';
import { ANNOTATION_COMPOSITION_RESOURCE_NAME } from '../../engine/index.js';
import type { LintContext, LintResource, RuleOptions } from './types.js';
import { COMPONENT_LABEL } from '../compose/names.js';
import { stringsIn } from './util.js';

function toLintResource(o: Unstructured): LintResource {
  const apiVersion = o.apiVersion ?? '';
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  return {
    name: o.metadata?.annotations?.[ANNOTATION_COMPOSITION_RESOURCE_NAME] ?? o.metadata?.name ?? '',
    object: o,
    apiVersion,
    kind: o.kind ?? '',
    group,
    version: slash < 0 ? apiVersion : apiVersion.slice(slash + 1),
    service: group.split('.')[0],
    forProvider: isObject(o.spec?.forProvider) ? o.spec.forProvider : {},
    labels: o.metadata?.labels ?? {},
  };
}

function mostCommon(values: string[]): string | undefined {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]?.[0];
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Splits a `crossplane render` stream: the composed resources carry the composition-resource-name annotation. */
export function splitRendered(docs: Unstructured[]): { composite?: Unstructured; composed: Unstructured[] } {
  const composed = docs.filter((d) => d.metadata?.annotations?.[ANNOTATION_COMPOSITION_RESOURCE_NAME]);
  const composite = docs.find(
    (d) =>
      !d.metadata?.annotations?.[ANNOTATION_COMPOSITION_RESOURCE_NAME] &&
      d.kind !== 'Result' &&
      d.kind !== 'Context' &&
      !String(d.apiVersion ?? '').startsWith('render.crossplane.io/'),
  );
  return { composite, composed };
}

/**
 * What the rules know about the environment: from the claim's spec when there is one, else from
 * what the rendered resources agree on (tags, regions) and what the XR's status learned from AWS.
 */
export function buildContext(
  composed: Unstructured[],
  composite?: Unstructured,
  spec?: JsonObject,
  options: RuleOptions = {},
): LintContext {
  const resources = composed.map(toLintResource);
  const s = spec ?? (isObject(composite?.spec) ? composite.spec : undefined);
  const tag = (key: string) =>
    mostCommon(
      resources.flatMap((r) => {
        const tags = r.forProvider.tags;
        return isObject(tags) && typeof tags[key] === 'string' ? [tags[key] as string] : [];
      }),
    );
  const dr = isObject(s?.dr) ? s.dr : undefined;
  const regionsOf = (component: (c: string | undefined) => boolean) =>
    mostCommon(
      resources
        .filter((r) => component(r.labels[COMPONENT_LABEL]))
        .flatMap((r) => (typeof r.forProvider.region === 'string' ? [r.forProvider.region] : [])),
    );
  const environment = str(s?.environment) ?? tag('Environment');
  const project = str(s?.project) ?? tag('Project');
  const suffix = s ? str(s.suffix) : tag('Suffix');
  const namePrefix =
    project && environment ? [project, environment, suffix].filter(Boolean).join('-') : undefined;
  const region = str(s?.region) ?? regionsOf((c) => c !== 'dr');
  const drRegion = str(dr?.region) ?? regionsOf((c) => c === 'dr');
  const observedAccounts = new Set<string>();
  for (const leaf of stringsIn(composite?.status ?? {}, 'status')) {
    const m = /^arn:[^:]+:[^:]*:[^:]*:(\d{12}):/.exec(leaf.value);
    if (m) observedAccounts.add(m[1]);
  }
  return {
    resources,
    composite,
    spec: s,
    environment,
    namePrefix,
    region,
    drRegion: drRegion === region ? undefined : drRegion,
    observedAccounts,
    byName: new Map(resources.map((r) => [r.name, r])),
    options,
  };
}
