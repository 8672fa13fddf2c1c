import yaml from 'js-yaml';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const RESOURCE_NAME = 'crossplane.io/composition-resource-name';
const RENDER_API = 'render.crossplane.io/v1beta1';
/** Values of these keys are not compared (only their presence is). */
const IGNORED_VALUE_KEYS = new Set(['lastTransitionTime']);

interface Keyed {
  key: string;
  doc: JsonObject;
}

function isObject(v: Json | undefined): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function show(v: Json | undefined): string {
  if (v === undefined) return '<absent>';
  const s = JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 197)}...` : s;
}

function childPath(path: string, key: string): string {
  if (/^[A-Za-z_$][\w$-]*$/.test(key)) return path === '' ? key : `${path}.${key}`;
  return `${path}[${JSON.stringify(key)}]`;
}

function parseStream(label: string, text: string, problems: string[]): JsonObject[] | undefined {
  try {
    const docs = yaml.loadAll(text) as Json[];
    const objects: JsonObject[] = [];
    docs.forEach((doc, i) => {
      if (doc === null || doc === undefined) return;
      if (!isObject(doc)) problems.push(`${label}: document #${i} is not a mapping: ${show(doc)}`);
      else objects.push(doc);
    });
    return objects;
  } catch (err) {
    problems.push(`${label}: cannot parse YAML: ${err instanceof Error ? err.message : String(err)}`);
    return undefined;
  }
}

function resourceName(doc: JsonObject): string | undefined {
  const metadata = doc.metadata;
  if (!isObject(metadata)) return undefined;
  const annotations = metadata.annotations;
  if (!isObject(annotations)) return undefined;
  const name = annotations[RESOURCE_NAME];
  return typeof name === 'string' ? name : undefined;
}

/** XR first, then composed resources by composition-resource-name, then Results (by position) and Context. */
function keyDocuments(label: string, docs: JsonObject[], problems: string[]): Keyed[] {
  const keyed: Keyed[] = [];
  const seen = new Set<string>();
  let results = 0;
  docs.forEach((doc, i) => {
    let key: string;
    const name = resourceName(doc);
    if (doc.apiVersion === RENDER_API && doc.kind === 'Result') {
      key = `Result #${results++}`;
    } else if (doc.apiVersion === RENDER_API && doc.kind === 'Context') {
      key = 'Context';
    } else if (name !== undefined) {
      key = `resource ${JSON.stringify(name)}`;
    } else if (i === 0) {
      key = 'XR';
    } else {
      key = `document #${i} (${String(doc.kind)} without ${RESOURCE_NAME})`;
    }
    if (seen.has(key)) problems.push(`${label}: ${key} appears more than once`);
    seen.add(key);
    keyed.push({ key, doc });
  });
  return keyed;
}

function diffValues(
  prefix: string,
  path: string,
  real: Json | undefined,
  ours: Json | undefined,
  out: string[],
): void {
  const where = `${prefix}: ${path === '' ? '<root>' : path}`;
  if (real === undefined && ours === undefined) return;
  if (real === undefined) {
    out.push(`${where}: only in ours = ${show(ours)}`);
    return;
  }
  if (ours === undefined) {
    out.push(`${where}: only in real = ${show(real)}`);
    return;
  }
  if (isObject(real) && isObject(ours)) {
    const keys = [...new Set([...Object.keys(real), ...Object.keys(ours)])].sort();
    for (const key of keys) {
      const p = childPath(path, key);
      if (IGNORED_VALUE_KEYS.has(key) && key in real && key in ours) continue;
      diffValues(prefix, p, real[key], ours[key], out);
    }
    return;
  }
  if (Array.isArray(real) && Array.isArray(ours)) {
    if (real.length !== ours.length)
      out.push(`${where}: array length real ${real.length} != ours ${ours.length}`);
    const n = Math.max(real.length, ours.length);
    for (let i = 0; i < n; i++) diffValues(prefix, `${path}[${i}]`, real[i], ours[i], out);
    return;
  }
  if (real !== ours) out.push(`${where}: real ${show(real)} != ours ${show(ours)}`);
}

/**
 * Compares two `crossplane render` YAML streams (the real CLI's and ours). Returns one readable line
 * per difference; an empty array means the renders are equivalent. Only the values of
 * lastTransitionTime are ignored.
 */
export function diffRenders(real: string, ours: string): string[] {
  const out: string[] = [];
  const realDocs = parseStream('real', real, out);
  const ourDocs = parseStream('ours', ours, out);
  if (realDocs === undefined || ourDocs === undefined) return out;

  const realKeyed = keyDocuments('real', realDocs, out);
  const ourKeyed = keyDocuments('ours', ourDocs, out);
  const ourByKey = new Map(ourKeyed.map((k) => [k.key, k.doc]));
  const realByKey = new Map(realKeyed.map((k) => [k.key, k.doc]));

  for (const { key, doc } of realKeyed) {
    const mine = ourByKey.get(key);
    if (mine === undefined) out.push(`${key}: only in real (${String(doc.kind)})`);
    else diffValues(key, '', doc, mine, out);
  }
  for (const { key, doc } of ourKeyed) {
    if (!realByKey.has(key)) out.push(`${key}: only in ours (${String(doc.kind)})`);
  }

  const common = (list: Keyed[], other: Map<string, JsonObject>): string[] =>
    list.map((k) => k.key).filter((k) => other.has(k));
  const realOrder = common(realKeyed, ourByKey);
  const ourOrder = common(ourKeyed, realByKey);
  if (realOrder.join('\n') !== ourOrder.join('\n')) {
    out.push(`document order differs: real [${realOrder.join(', ')}] vs ours [${ourOrder.join(', ')}]`);
  }
  return out;
}
