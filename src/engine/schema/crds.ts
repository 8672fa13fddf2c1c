import { closeSync, openSync, readFileSync, readSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import yaml from 'js-yaml';
import type { JSONSchemaProps } from './types.js';
import { isObject } from '../../core/json.js';

export interface CrdVersion {
  name: string;
  served: boolean;
  storage: boolean;
  deprecated: boolean;
  deprecationWarning?: string;
  schema: JSONSchemaProps | undefined;
}

export interface CrdEntry {
  group: string;
  kind: string;
  plural: string;
  scope: 'Cluster' | 'Namespaced';
  versions: CrdVersion[];
  /** File the CRD came from, or undefined when registered in memory. */
  file?: string;
}

export interface CrdLookup {
  group: string;
  version: string;
  kind: string;
  schema: JSONSchemaProps | undefined;
  scope: 'Cluster' | 'Namespaced';
  served: boolean;
  storage: boolean;
  deprecated: boolean;
  deprecationWarning?: string;
  /** Every served version of this kind, in the CRD's order. */
  servedVersions: string[];
  storageVersion: string | undefined;
}

export interface CrdIndexStats {
  files: number;
  parsedFiles: number;
  kinds: number;
}

export interface CrdIndex {
  /** The CRD version for an apiVersion (`group/version`) and kind; undefined if the kind or version is unknown. */
  get(apiVersion: string, kind: string): CrdLookup | undefined;
  /** The whole CRD for a group and kind (parsed on first use). */
  entry(group: string, kind: string): CrdEntry | undefined;
  servedVersions(group: string, kind: string): string[];
  /** Every group/kind the index knows, without parsing the CRDs. */
  kinds(): Array<{ group: string; kind: string }>;
  /** Adds a CRD object (e.g. one generated in memory); it wins over one read from disk. */
  register(crd: unknown): CrdEntry;
  /** Parses every file now (otherwise files are parsed when first looked up). */
  loadAll(): void;
  stats(): CrdIndexStats;
}

export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.indexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

const key = (group: string, kind: string): string => `${group}/${kind}`;

function toEntry(doc: unknown, file?: string): CrdEntry | undefined {
  if (!isObject(doc) || doc.kind !== 'CustomResourceDefinition' || !isObject(doc.spec)) return undefined;
  const spec = doc.spec;
  const names = isObject(spec.names) ? spec.names : {};
  if (typeof spec.group !== 'string' || typeof names.kind !== 'string') return undefined;
  const versions: CrdVersion[] = [];
  const topSchema = isObject(spec.validation) ? spec.validation.openAPIV3Schema : undefined;
  for (const v of Array.isArray(spec.versions) ? spec.versions : []) {
    if (!isObject(v) || typeof v.name !== 'string') continue;
    const schema = isObject(v.schema) ? v.schema.openAPIV3Schema : topSchema;
    versions.push({
      name: v.name,
      served: v.served !== false,
      storage: v.storage === true,
      deprecated: v.deprecated === true,
      deprecationWarning: typeof v.deprecationWarning === 'string' ? v.deprecationWarning : undefined,
      schema: isObject(schema) ? (schema as JSONSchemaProps) : undefined,
    });
  }
  return {
    group: spec.group,
    kind: names.kind,
    plural: typeof names.plural === 'string' ? names.plural : '',
    scope: spec.scope === 'Cluster' ? 'Cluster' : 'Namespaced',
    versions,
    file,
  };
}

function listYamlFiles(dir: string): string[] {
  return (readdirSync(dir, { recursive: true, encoding: 'utf8' }) as string[])
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(dir, f));
}

const HEAD_BYTES = 4096;

function readHead(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** group and kind from the top of a controller-gen style CRD file, without parsing the YAML. */
function scanHead(head: string): { group: string; kind: string } | undefined {
  if (!/^kind: CustomResourceDefinition\s*$/m.test(head)) return undefined;
  const group = /^ {2}group: ["']?([^\s"']+)["']?\s*$/m.exec(head)?.[1];
  const namesAt = head.search(/^ {2}names:\s*$/m);
  const kind =
    namesAt < 0 ? undefined : /^ {4}kind: ["']?([^\s"']+)["']?\s*$/m.exec(head.slice(namesAt))?.[1];
  return group && kind ? { group, kind } : undefined;
}

/**
 * Indexes every CRD YAML under `dir` (recursively). Only the first few KB of each file are read up front; a CRD
 * is parsed when first looked up and then cached.
 */
export function loadCrdIndex(dir?: string): CrdIndex {
  const files = dir ? listYamlFiles(dir) : [];
  const fileByKind = new Map<string, string>();
  const entries = new Map<string, CrdEntry>();
  const parsedFiles = new Set<string>();
  const pending: string[] = [];

  const parseFile = (file: string): void => {
    if (parsedFiles.has(file)) return;
    parsedFiles.add(file);
    for (const doc of yaml.loadAll(readFileSync(file, 'utf8'))) {
      const e = toEntry(doc, file);
      if (e && !entries.has(key(e.group, e.kind))) entries.set(key(e.group, e.kind), e);
    }
  };

  for (const file of files) {
    const found = scanHead(readHead(file));
    if (found) {
      if (!fileByKind.has(key(found.group, found.kind))) fileByKind.set(key(found.group, found.kind), file);
    } else {
      pending.push(file);
    }
  }
  for (const file of pending) {
    parseFile(file);
    for (const e of entries.values()) if (e.file === file) fileByKind.set(key(e.group, e.kind), file);
  }

  const entry = (group: string, kind: string): CrdEntry | undefined => {
    const k = key(group, kind);
    const hit = entries.get(k);
    if (hit) return hit;
    const file = fileByKind.get(k);
    if (!file) return undefined;
    parseFile(file);
    return entries.get(k);
  };

  const servedVersions = (group: string, kind: string): string[] =>
    entry(group, kind)
      ?.versions.filter((v) => v.served)
      .map((v) => v.name) ?? [];

  return {
    get(apiVersion, kind) {
      const { group, version } = splitApiVersion(apiVersion);
      const e = entry(group, kind);
      const v = e?.versions.find((x) => x.name === version);
      if (!e || !v) return undefined;
      return {
        group,
        version,
        kind,
        schema: v.schema,
        scope: e.scope,
        served: v.served,
        storage: v.storage,
        deprecated: v.deprecated,
        deprecationWarning: v.deprecationWarning,
        servedVersions: e.versions.filter((x) => x.served).map((x) => x.name),
        storageVersion: e.versions.find((x) => x.storage)?.name,
      };
    },
    entry,
    servedVersions,
    kinds() {
      const all = new Set([...fileByKind.keys(), ...entries.keys()]);
      return [...all].sort().map((k) => {
        const slash = k.lastIndexOf('/');
        return { group: k.slice(0, slash), kind: k.slice(slash + 1) };
      });
    },
    register(crd) {
      const e = toEntry(crd);
      if (!e) throw new Error('not a CustomResourceDefinition with spec.group and spec.names.kind');
      entries.set(key(e.group, e.kind), e);
      return e;
    },
    loadAll() {
      for (const file of files) parseFile(file);
    },
    stats() {
      return {
        files: files.length,
        parsedFiles: parsedFiles.size,
        kinds: new Set([...fileByKind.keys(), ...entries.keys()]).size,
      };
    },
  };
}
