/**
 * Reads YAML the way kubectl and Crossplane do (go-yaml v2 behind sigs.k8s.io/yaml): YAML 1.1
 * booleans, so `on`, `yes`, `y` are true and `off`, `no`, `n` are false, unlike YAML 1.2.
 */
import yaml from 'js-yaml';
import type { Unstructured } from './fnapi.js';

const TRUE = ['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON'];
const FALSE = ['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF'];

const bool11 = new yaml.Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: unknown) => typeof data === 'string' && (TRUE.includes(data) || FALSE.includes(data)),
  construct: (data: string) => TRUE.includes(data),
  predicate: (v: unknown) => typeof v === 'boolean',
  represent: (v: object) => String(v),
});

const schema = yaml.DEFAULT_SCHEMA.extend({ implicit: [bool11] });

export function loadAllYaml(text: string): unknown[] {
  return yaml.loadAll(text, undefined, { schema });
}

/** The documents of a YAML stream that are objects (empty documents, scalars and lists left out). */
export function loadAllObjects(text: string): Unstructured[] {
  return loadAllYaml(text).filter(
    (d): d is Unstructured => d !== null && typeof d === 'object' && !Array.isArray(d),
  );
}

export function loadYaml(text: string): unknown {
  return yaml.load(text, { schema });
}

export { YAMLException } from 'js-yaml';
