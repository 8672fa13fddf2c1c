/**
 * The schema bundle that ships with the package: for each kind the Compositions compose (apiVersion and
 * kind of every resource base in compositions/*.yaml), the CRD cut down to what validation and the
 * renderer read — group, names, scope and, for the versions in use only, the openAPIV3Schema without
 * descriptions. It is generated from the pinned provider and Crossplane CRDs by scripts/bundle-crds.ts
 * and kept fresh by test/validate/bundle.test.ts, so `envstack validate` works where those CRDs are not.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { basename, join, relative, sep } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  loadAllYaml,
  loadCrdIndex,
  splitApiVersion,
  type CrdIndex,
  type JSONSchemaProps,
} from '../../engine/index.js';
import { PACKAGE_ROOT } from '../../core/paths.js';

/** Where the bundle lives, relative to the package root (listed in package.json `files`). */
export const BUNDLE_PATH = join('schemas', 'crds.bundle.json.gz');

export interface CrdBundle {
  /** The pinned CRD folders the bundle was cut from, e.g. `provider-aws-v2.6.0`. */
  sources: string[];
  /** Trimmed CustomResourceDefinition objects, sorted by group and kind. */
  crds: BundledCrd[];
}

export interface BundledCrd {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    names: { kind: string; plural: string };
    scope: 'Cluster' | 'Namespaced';
    versions: Array<{
      name: string;
      served: boolean;
      storage: boolean;
      deprecated?: boolean;
      deprecationWarning?: string;
      schema?: { openAPIV3Schema: JSONSchemaProps };
    }>;
  };
}

/** Schema keys that only document: dropped from every schema node. */
const DOCUMENTATION = new Set(['description', 'title', 'example', 'externalDocs']);
/** Keys whose value is a map of name → schema (so its keys are field names, not schema keywords). */
const SCHEMA_MAPS = new Set(['properties', 'patternProperties', 'definitions']);
/** Keys whose value is a schema or a list of schemas. */
const SCHEMAS = new Set([
  'items',
  'additionalProperties',
  'additionalItems',
  'not',
  'allOf',
  'anyOf',
  'oneOf',
]);

/** A schema without its documentation keys, at every depth (field names such as `description` are kept). */
export function withoutDocs(schema: JSONSchemaProps): JSONSchemaProps {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(schema)) {
    if (DOCUMENTATION.has(k)) continue;
    if (SCHEMA_MAPS.has(k) && isMap(v)) {
      out[k] = Object.fromEntries(
        Object.entries(v).map(([name, s]) => [name, isMap(s) ? withoutDocs(s) : s]),
      );
    } else if (SCHEMAS.has(k)) {
      out[k] = Array.isArray(v)
        ? v.map((s) => (isMap(s) ? withoutDocs(s) : s))
        : isMap(v)
          ? withoutDocs(v)
          : v;
    } else {
      out[k] = v;
    }
  }
  return out as JSONSchemaProps;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Every `apiVersion kind` of a resource base in the given Composition files. */
export function composedKinds(
  compositionFiles: readonly string[],
): Array<{ apiVersion: string; kind: string }> {
  const seen = new Map<string, { apiVersion: string; kind: string }>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) return node.forEach(visit);
    if (!isMap(node)) return;
    const base = node.base;
    if (isMap(base) && typeof base.apiVersion === 'string' && typeof base.kind === 'string')
      seen.set(`${base.apiVersion} ${base.kind}`, { apiVersion: base.apiVersion, kind: base.kind });
    Object.values(node).forEach(visit);
  };
  for (const file of compositionFiles) visit(loadAllYaml(readFileSync(file, 'utf8')));
  return [...seen.values()];
}

/** The Composition files of a checkout or installed package (claim and namespaced flavors). */
export function compositionFiles(root = PACKAGE_ROOT): string[] {
  const dir = join(root, 'compositions');
  return readdirSync(dir)
    .filter((f) => /\.ya?ml$/.test(f) && f !== 'functions.yaml')
    .sort()
    .map((f) => join(dir, f));
}

/** Cuts the bundle from a folder of full CRDs (../shared/crds) for the kinds the Compositions use. */
export function buildCrdBundle(
  crdDir: string,
  compositions: readonly string[] = compositionFiles(),
): CrdBundle {
  const index = loadCrdIndex(crdDir);
  const versionsByKind = new Map<string, Set<string>>();
  for (const { apiVersion, kind } of composedKinds(compositions)) {
    const { group, version } = splitApiVersion(apiVersion);
    const k = `${group}/${kind}`;
    if (!versionsByKind.has(k)) versionsByKind.set(k, new Set());
    versionsByKind.get(k)?.add(version);
  }
  const sources = new Set<string>();
  const crds: BundledCrd[] = [];
  for (const k of [...versionsByKind.keys()].sort()) {
    const slash = k.lastIndexOf('/');
    const [group, kind] = [k.slice(0, slash), k.slice(slash + 1)];
    const entry = index.entry(group, kind);
    if (!entry) throw new Error(`no CRD for ${group} ${kind} under ${crdDir}`);
    const used = versionsByKind.get(k) ?? new Set<string>();
    const versions = entry.versions.filter((v) => used.has(v.name));
    const missing = [...used].filter((v) => !versions.some((x) => x.name === v));
    if (missing.length) throw new Error(`the CRD for ${group} ${kind} has no version ${missing.join(', ')}`);
    if (entry.file) sources.add(relative(crdDir, entry.file).split(sep)[0] ?? basename(entry.file));
    crds.push({
      apiVersion: 'apiextensions.k8s.io/v1',
      kind: 'CustomResourceDefinition',
      metadata: { name: `${entry.plural}.${group}` },
      spec: {
        group,
        names: { kind, plural: entry.plural },
        scope: entry.scope,
        versions: versions.map((v) => ({
          name: v.name,
          served: v.served,
          storage: v.storage,
          ...(v.deprecated ? { deprecated: true } : {}),
          ...(v.deprecationWarning !== undefined ? { deprecationWarning: v.deprecationWarning } : {}),
          ...(v.schema ? { schema: { openAPIV3Schema: withoutDocs(v.schema) } } : {}),
        })),
      },
    });
  }
  return { sources: [...sources].sort(), crds };
}

/** The bundle as written to disk: JSON, one CRD a line, gzipped (the gzip header carries no time or name). */
export function encodeCrdBundle(bundle: CrdBundle): Buffer {
  const lines = bundle.crds.map((c) => JSON.stringify(c));
  const text = `{"sources":${JSON.stringify(bundle.sources)},"crds":[\n${lines.join(',\n')}\n]}\n`;
  return gzipSync(text, { level: 9 });
}

export function decodeCrdBundle(data: Uint8Array): CrdBundle {
  return JSON.parse(gunzipSync(data).toString('utf8')) as CrdBundle;
}

let bundled: CrdBundle | undefined;
/** The bundle that ships with the package. */
export function bundledCrds(root = PACKAGE_ROOT): CrdBundle {
  if (root !== PACKAGE_ROOT) return decodeCrdBundle(readFileSync(join(root, BUNDLE_PATH)));
  bundled ??= decodeCrdBundle(readFileSync(join(root, BUNDLE_PATH)));
  return bundled;
}

/** An index over CRD objects (the bundle's, or those read from a cluster), in loadCrdIndex's shape. */
export function crdIndexOf(crds: readonly unknown[]): CrdIndex {
  const index = loadCrdIndex();
  for (const crd of crds) index.register(crd);
  return index;
}
