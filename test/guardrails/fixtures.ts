import type { JsonObject, Unstructured } from '../../src/engine/render/fnapi.js';
import { buildContext, type LintContext, type Rule } from '../../src/platform/guardrails/index.js';

export const spec = {
  project: 'shop',
  environment: 'dev',
  owner: 'team-shop',
  region: 'eu-west-1',
};

export const tags = { Environment: 'dev', Project: 'shop', Owner: 'team-shop', ManagedBy: 'envstack' };

/** A composed resource as `crossplane render` prints it: labels, the resource-name annotation, forProvider. */
export function mr(
  name: string,
  apiVersion: string,
  kind: string,
  forProvider: JsonObject = {},
  meta: { annotations?: Record<string, string>; labels?: Record<string, string>; spec?: JsonObject } = {},
): Unstructured {
  return {
    apiVersion,
    kind,
    metadata: {
      annotations: { 'crossplane.io/composition-resource-name': name, ...(meta.annotations ?? {}) },
      labels: { 'envstack.dev/resource': name, 'envstack.dev/component': 'test', ...(meta.labels ?? {}) },
      generateName: 'shop-dev-abcde-',
    },
    spec: { forProvider: { region: 'eu-west-1', ...forProvider }, ...(meta.spec ?? {}) },
  };
}

export const sibling = (name: string) => ({
  matchControllerRef: true,
  matchLabels: { 'envstack.dev/resource': name },
});

export function context(resources: Unstructured[], overrides: JsonObject = {}): LintContext {
  return buildContext(resources, undefined, { ...spec, ...overrides });
}

/** The fields a rule flags on these resources, as `resource field` strings. */
export function flagged(rule: Rule, resources: Unstructured[], overrides: JsonObject = {}): string[] {
  return rule.check(context(resources, overrides)).map((f) => `${f.resource} ${f.field}`);
}

export const policy = (statements: JsonObject[]) =>
  JSON.stringify({ Version: '2012-10-17', Statement: statements });
