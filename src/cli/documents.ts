import { existsSync, readFileSync } from 'node:fs';
import type { Unstructured } from '../core/json.js';
import { loadAllYaml, YAMLException } from '../engine/index.js';
import { UsageError } from './args.js';

/** Reads one or more YAML documents, with messages a person can act on. */
export function readDocuments(file: string): Unstructured[] {
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  let docs: unknown[];
  try {
    docs = loadAllYaml(readFileSync(file, 'utf8'));
  } catch (e) {
    const reason = e instanceof YAMLException ? e.reason : String(e);
    const line = e instanceof YAMLException ? `:${e.mark.line + 1}` : '';
    throw new UsageError(`${file}${line}: not valid YAML: ${reason}`);
  }
  const objects = docs.filter((d) => d !== null && d !== undefined);
  if (objects.length === 0) throw new UsageError(`${file}: no YAML document in the file`);
  for (const d of objects) {
    if (typeof d !== 'object' || Array.isArray(d))
      throw new UsageError(
        `${file}: expected a Kubernetes object, got ${Array.isArray(d) ? 'a list' : typeof d}`,
      );
  }
  return objects as Unstructured[];
}
