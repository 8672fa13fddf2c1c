import { type CrdIndex, type CrdLookup, splitApiVersion } from './crds.js';
import { applyDefaults } from './defaults.js';
import { body, err } from './errors.js';
import { validateObjectMeta } from './objectmeta.js';
import type { SchemaError } from './types.js';
import { validate } from './validate.js';
import { isObject } from '../../core/json.js';

export interface ValidateObjectOptions {
  /** The stored object, for transition rules (`oldSelf`). */
  oldObj?: unknown;
  /** Apply schema defaults before validating, as the apiserver does on decode (default true). */
  applyDefaults?: boolean;
}

export interface ObjectValidation {
  errors: SchemaError[];
  /** Not errors: deprecated API versions, namespace on a cluster-scoped kind. */
  warnings: string[];
  /** The CRD version the object was validated against. */
  crd?: CrdLookup;
}

/**
 * Validates a whole Kubernetes object against the CRD serving its apiVersion/kind: metadata as ObjectMeta
 * (names are DNS-1123 subdomains), everything else with the version's structural schema and CEL rules.
 */
export function validateObject(
  index: CrdIndex,
  obj: unknown,
  opts: ValidateObjectOptions = {},
): ObjectValidation {
  const errors: SchemaError[] = [];
  const warnings: string[] = [];
  if (!isObject(obj)) {
    return { errors: [err('', 'type', body.invalid(obj, 'a Kubernetes object must be a map'))], warnings };
  }
  const { apiVersion, kind } = obj;
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    errors.push(err('apiVersion', 'required', body.required('apiVersion must be set')));
  }
  if (typeof kind !== 'string' || kind === '')
    errors.push(err('kind', 'required', body.required('kind must be set')));
  if (errors.length > 0 || typeof apiVersion !== 'string' || typeof kind !== 'string')
    return { errors, warnings };

  const { group } = splitApiVersion(apiVersion);
  const crd = index.get(apiVersion, kind);
  if (!crd) {
    const served = index.servedVersions(group, kind);
    const hint =
      served.length > 0
        ? `; served versions of ${kind}.${group}: ${served.map((v) => `${group}/${v}`).join(', ')}`
        : '; no CRD for this group and kind is known';
    return {
      errors: [
        err(
          served.length > 0 ? 'apiVersion' : 'kind',
          served.length > 0 ? 'version' : 'unknown-kind',
          `no matches for kind "${kind}" in version "${apiVersion}"${hint}`,
        ),
      ],
      warnings,
    };
  }
  if (!crd.served) {
    errors.push(
      err(
        'apiVersion',
        'version',
        `version "${crd.version}" of ${kind}.${group} is not served; served: ${crd.servedVersions.join(', ')}`,
      ),
    );
  }
  if (crd.deprecated) {
    warnings.push(crd.deprecationWarning ?? `${apiVersion} ${kind} is deprecated`);
  }

  errors.push(...validateObjectMeta(obj.metadata, 'metadata', { requireName: true }));
  if (crd.scope === 'Cluster' && isObject(obj.metadata) && obj.metadata.namespace) {
    warnings.push(`metadata.namespace is ignored: ${kind}.${group} is cluster-scoped`);
  }
  if (!crd.schema) return { errors, warnings, crd };

  const subject = opts.applyDefaults === false ? obj : applyDefaults(crd.schema, obj);
  errors.push(...validate(crd.schema, subject, { oldObj: opts.oldObj, kubernetesObject: true }));
  return { errors, warnings, crd };
}
