import { GoError, wrap } from './errors.js';
import { Paved } from './fieldpath.js';
import { goJsonMarshal, isGoMap, type GoMap } from './govalue.js';
import { fromPolicy, patchType, type ConnectionDetail, type Resources } from './input.js';
import { applyCombineFromVariablesPatch, applyFromFieldPathPatch, type Holder } from './patches.js';
import { validateConnectionDetail } from './validate.js';

/** connection.go. Connection detail values are kept base64-encoded, as the protocol carries them. */

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

function fromFieldPath(o: GoMap, path: string): string | undefined {
  const p = new Paved(o);
  try {
    return p.getString(path);
  } catch {
    try {
      return goJsonMarshal(p.getValue(path));
    } catch {
      return undefined;
    }
  }
}

export function extractConnectionDetails(
  cd: GoMap,
  data: Record<string, string>,
  cfgs: ConnectionDetail[],
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const cfg of cfgs) {
    const err = validateConnectionDetail(cfg);
    if (err) throw wrap(err, 'invalid');
    switch (cfg.type) {
      case 'FromValue':
        out[cfg.name] = b64(cfg.value ?? '');
        break;
      case 'FromConnectionSecretKey': {
        const key = cfg.fromConnectionSecretKey ?? '';
        if (Object.prototype.hasOwnProperty.call(data, key)) out[cfg.name] = data[key];
        break;
      }
      case 'FromFieldPath': {
        const v = fromFieldPath(cd, cfg.fromFieldPath ?? '');
        if (v !== undefined) out[cfg.name] = b64(v);
        break;
      }
    }
  }
  return out;
}

/** v2 (modern) XRs have spec.crossplane and no native connection details. */
export function supportsConnectionDetails(oxr: GoMap): boolean {
  try {
    new Paved(oxr).getValue('spec.crossplane');
    return false;
  } catch {
    return true;
  }
}

function strAt(o: GoMap, ...path: string[]): string {
  let cur: unknown = o;
  for (const k of path) {
    if (!isGoMap(cur)) return '';
    cur = cur[k];
  }
  return typeof cur === 'string' ? cur : '';
}

function baseSecretRef(
  oxr: GoMap,
  input: Resources['writeConnectionSecretToRef'],
): { name: string; namespace: string } {
  const spec = oxr.spec;
  if (isGoMap(spec) && spec.writeConnectionSecretToRef !== undefined) {
    const ref = spec.writeConnectionSecretToRef;
    if (ref === null) return { name: '', namespace: '' };
    if (isGoMap(ref)) {
      const okStr = (v: unknown): boolean => v === undefined || v === null || typeof v === 'string';
      if (okStr(ref.name) && okStr(ref.namespace)) {
        return {
          name: typeof ref.name === 'string' ? ref.name : '',
          namespace: typeof ref.namespace === 'string' ? ref.namespace : '',
        };
      }
    }
  }
  if (input && (input.name !== '' || input.namespace !== ''))
    return { name: input.name, namespace: input.namespace };
  return {
    name: strAt(oxr, 'metadata', 'name') + '-connection',
    namespace: strAt(oxr, 'metadata', 'namespace'),
  };
}

function secretRef(
  oxr: GoMap,
  input: Resources['writeConnectionSecretToRef'],
): { name: string; namespace: string } {
  const ref = baseSecretRef(oxr, input);
  if (!input || input.patches.length === 0) return ref;
  const holder: Holder = {
    obj: { apiVersion: 'v1', kind: 'SecretReference', name: ref.name, namespace: ref.namespace },
  };
  try {
    for (const [i, p] of input.patches.entries()) {
      const t = patchType(p);
      if (t === 'FromCompositeFieldPath') {
        try {
          applyFromFieldPathPatch(p, oxr, holder);
        } catch (e) {
          if (fromPolicy(p) === 'Optional') continue;
          throw wrap(e, `cannot apply patch type ${t} at index ${i}`);
        }
      } else if (t === 'CombineFromComposite') {
        try {
          applyCombineFromVariablesPatch(p, oxr, holder);
        } catch (e) {
          throw wrap(e, `cannot apply patch type ${t} at index ${i}`);
        }
      } else {
        throw new GoError(`unsupported patch type ${t} at index ${i}`);
      }
    }
  } catch (e) {
    throw wrap(
      wrap(e, 'cannot apply connection secret patches'),
      'cannot generate connection secret reference',
    );
  }
  const name = holder.obj.name;
  const namespace = holder.obj.namespace;
  return {
    name: typeof name === 'string' ? name : ref.name,
    namespace: typeof namespace === 'string' ? namespace : ref.namespace,
  };
}

/** composeConnectionSecret: a Secret holding the details, for XRs that cannot carry them. */
export function composeConnectionSecret(
  oxr: GoMap,
  details: Record<string, string>,
  input: Resources['writeConnectionSecretToRef'],
): GoMap {
  const ref = secretRef(oxr, input);
  const metadata: GoMap = {};
  if (ref.name !== '') metadata.name = ref.name;
  if (ref.namespace !== '') metadata.namespace = ref.namespace;
  const secret: GoMap = { apiVersion: 'v1', kind: 'Secret' };
  if (Object.keys(metadata).length > 0) secret.metadata = metadata;
  const data: GoMap = {};
  for (const k of Object.keys(details)) data[k] = details[k];
  secret.data = data;
  secret.type = 'connection.crossplane.io/v1alpha1';
  return secret;
}
