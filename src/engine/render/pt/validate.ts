import { GoError } from './errors.js';
import { goQuote } from './gofmt.js';
import { compileGoRegexp, type GoRegexp } from './goregexp.js';
import {
  type ComposedTemplate,
  type Combine,
  type ConnectionDetail,
  type MathTransform,
  type MatchTransform,
  type Patch,
  type ReadinessCheck,
  type Resources,
  type StringTransform,
  type Transform,
  fromPolicy,
  patchType,
  toPolicy,
} from './input.js';

/** A k8s.io/apimachinery field.Error (Required or Invalid), printed the same way. */
class FieldError extends GoError {
  constructor(
    readonly field: string,
    readonly kind: 'Required' | 'Invalid',
    readonly detail: string,
    readonly badValue = '',
  ) {
    super(
      kind === 'Required'
        ? `${field}: Required value${detail ? `: ${detail}` : ''}`
        : `${field}: Invalid value: ${goQuote(badValue)}${detail ? `: ${detail}` : ''}`,
    );
  }

  under(prefix: string): FieldError {
    return new FieldError(`${prefix}.${this.field}`, this.kind, this.detail, this.badValue);
  }
}

const required = (f: string, d: string): FieldError => new FieldError(f, 'Required', d);
const invalid = (f: string, v: string, d: string): FieldError => new FieldError(f, 'Invalid', d, v);

/** Compiled Go (RE2) regexps by pattern, or the message compiling one failed with. */
const goRegexps = new Map<string, GoRegexp | string>();

/** regexp.Compile, once per pattern: a compiled regexp is only ever used to make matchers. */
export function goRegexp(re: string): GoRegexp | string {
  let hit = goRegexps.get(re);
  if (hit === undefined) {
    hit = compileGoRegexp(re);
    if (goRegexps.size > 10_000) goRegexps.clear();
    goRegexps.set(re, hit);
  }
  return hit;
}

function compilesAsGoRegexp(re: string): boolean {
  return typeof goRegexp(re) !== 'string';
}

const READINESS_TYPES = [
  'NonEmpty',
  'MatchString',
  'MatchInteger',
  'MatchTrue',
  'MatchFalse',
  'MatchCondition',
  'None',
];
const CONNECTION_TYPES = ['FromConnectionSecretKey', 'FromFieldPath', 'FromValue'];
const IO_TYPES = ['string', 'bool', 'int', 'int64', 'float64', 'object', 'array'];
const FORMATS = ['none', 'quantity', 'json'];
const TO_POLICIES = [
  'Replace',
  'MergeObjects',
  'MergeObjectsAppendArrays',
  'ForceMergeObjects',
  'ForceMergeObjectsAppendArrays',
  'MergeObject',
  'AppendArray',
];

export function validateResources(r: Resources): FieldError | undefined {
  for (const ps of r.patchSets) {
    const err = validatePatchSet(ps);
    if (err) return err;
  }
  if (r.resources.length === 0 && (r.environment === undefined || r.environment.patches.length === 0)) {
    return required('resources', 'resources or environment patches are required');
  }
  for (const [i, t] of r.resources.entries()) {
    const err = validateComposedTemplate(t);
    if (err) return err.under(`resources[${i}]`);
  }
  if (r.environment) {
    for (const [i, p] of r.environment.patches.entries()) {
      switch (patchType(p)) {
        case 'FromCompositeFieldPath':
        case 'ToCompositeFieldPath':
        case 'CombineFromComposite':
        case 'CombineToComposite':
        case 'FromEnvironmentFieldPath':
        case 'ToEnvironmentFieldPath':
          break;
        default:
          return invalid(`patches[${i}][type]`, patchType(p), 'invalid environment patch type').under(
            'environment',
          );
      }
      const err = validatePatch(p);
      if (err) return err.under(`patches[${i}]`).under('environment');
    }
  }
  return undefined;
}

function validatePatchSet(ps: { name: string; patches: Patch[] }): FieldError | undefined {
  if (ps.name === '') return required('name', 'name is required');
  for (const [i, p] of ps.patches.entries()) {
    const err = validatePatch(p);
    if (err) return err.under(`patches[${i}]`);
  }
  return undefined;
}

function validateComposedTemplate(t: ComposedTemplate): FieldError | undefined {
  if (t.name === '') return required('name', 'name is required');
  for (const [i, p] of t.patches.entries()) {
    const err = validatePatch(p);
    if (err) return err.under(`patches[${i}]`);
  }
  for (const [i, cd] of t.connectionDetails.entries()) {
    const err = validateConnectionDetail(cd);
    if (err) return err.under(`connectionDetails[${i}]`);
  }
  for (const [i, rc] of t.readinessChecks.entries()) {
    const err = validateReadinessCheck(rc);
    if (err) return err.under(`readinessChecks[${i}]`);
  }
  return undefined;
}

export function validateReadinessCheck(r: ReadinessCheck): FieldError | undefined {
  if (!READINESS_TYPES.includes(r.type)) return invalid('type', r.type, 'unknown readiness check type');
  switch (r.type) {
    case 'None':
      return undefined;
    case 'MatchString':
      if (r.matchString === undefined) return required('matchString', 'cannot be nil for type MatchString');
      break;
    case 'MatchInteger':
      if (r.matchInteger === undefined)
        return required('matchInteger', 'cannot be nil for type MatchInteger');
      break;
    case 'MatchCondition': {
      const m = r.matchCondition;
      if (m === undefined) return undefined;
      if (m.type === '')
        return required('type', 'cannot be empty for type MatchCondition').under('matchCondition');
      if (m.status === '') {
        return required('status', 'cannot be empty for type MatchCondition').under('matchCondition');
      }
      return undefined;
    }
  }
  if (r.fieldPath === undefined) return required('fieldPath', 'cannot be empty');
  return undefined;
}

function validatePatch(p: Patch): FieldError | undefined {
  const t = patchType(p);
  switch (t) {
    case 'FromCompositeFieldPath':
    case 'ToCompositeFieldPath':
    case 'FromEnvironmentFieldPath':
    case 'ToEnvironmentFieldPath':
      if ((p.fromFieldPath ?? '') === '') {
        return required('fromFieldPath', `fromFieldPath must be set for patch type ${t}`);
      }
      break;
    case 'PatchSet':
      if (p.kind !== 'composed') {
        const goType =
          p.kind === 'patchSet'
            ? '*v1beta1.PatchSetPatch'
            : p.kind === 'environment'
              ? '*v1beta1.EnvironmentPatch'
              : '*v1beta1.ConnectionSecretPatch';
        return invalid('type', t, `patch type ${goType} does not support patch of type ${t}`);
      }
      if ((p.patchSetName ?? '') === '') {
        return required('patchSetName', `patchSetName must be set for patch type ${t}`);
      }
      break;
    case 'CombineFromComposite':
    case 'CombineToComposite':
    case 'CombineFromEnvironment':
    case 'CombineToEnvironment': {
      if (p.combine === undefined) return required('combine', `combine must be set for patch type ${t}`);
      if ((p.toFieldPath ?? p.fromFieldPath ?? '') === '') {
        return required('toFieldPath', `toFieldPath must be set for patch type ${t}`);
      }
      return validateCombine(p.combine)?.under('combine');
    }
    default:
      return invalid('type', t, 'unknown patch type');
  }
  for (const [i, tr] of p.transforms.entries()) {
    const err = validateTransform(tr);
    if (err) return err.under(`transforms[${i}]`);
  }
  if (p.policy) {
    if (!TO_POLICIES.includes(toPolicy(p))) {
      return invalid('policy.toFieldPathPolicy', toPolicy(p), 'unknown toFieldPathPolicy');
    }
    if (fromPolicy(p) !== 'Required' && fromPolicy(p) !== 'Optional') {
      return invalid('policy.fromFieldPathPolicy', fromPolicy(p), 'unknown fromFieldPathPolicy');
    }
  }
  return undefined;
}

function validateCombine(c: Combine): FieldError | undefined {
  if (c.strategy === 'string') {
    if (c.string === undefined)
      return required('string', `string must be set for combine strategy ${c.strategy}`);
  } else if (c.strategy === '') {
    return required('strategy', 'a combine strategy must be provided');
  } else {
    return invalid('strategy', c.strategy, 'unknown strategy type');
  }
  if (c.variables.length === 0) return required('variables', 'at least one variable must be provided');
  for (const [i, v] of c.variables.entries()) {
    if (v.fromFieldPath === '') {
      return required(`variables[${i}].fromFieldPath`, 'fromFieldPath must be set for each combine variable');
    }
  }
  return undefined;
}

function validateTransform(t: Transform): FieldError | undefined {
  switch (t.type) {
    case 'math':
      if (!t.math) return required('math', 'given transform type math requires configuration');
      return validateMathTransform(t.math)?.under('math');
    case 'map':
      if (!t.map) return required('map', 'given transform type map requires configuration');
      if (t.map.pairs.size === 0) {
        return required('pairs', 'at least one pair must be specified if a map transform is specified').under(
          'map',
        );
      }
      return undefined;
    case 'match':
      if (!t.match) return required('match', 'given transform type match requires configuration');
      return validateMatchTransform(t.match)?.under('match');
    case 'string':
      if (!t.string) return required('string', 'given transform type string requires configuration');
      return validateStringTransform(t.string)?.under('string');
    case 'convert':
      if (!t.convert) return required('convert', 'given transform type convert requires configuration');
      return validateConvertTransform(t.convert)?.under('convert');
    default:
      return invalid('type', t.type, 'unknown transform type');
  }
}

export function validateMathTransform(m: MathTransform): FieldError | undefined {
  switch (m.type) {
    case '':
      return required('type', 'math transform type is required');
    case 'Multiply':
      if (m.multiply === undefined) {
        return required('multiply', 'must specify a value if a multiply math transform is specified');
      }
      return undefined;
    case 'ClampMin':
      if (m.clampMin === undefined) {
        return required('clampMin', 'must specify a value if a clamp min math transform is specified');
      }
      return undefined;
    case 'ClampMax':
      if (m.clampMax === undefined) {
        return required('clampMax', 'must specify a value if a clamp max math transform is specified');
      }
      return undefined;
    default:
      return invalid('type', m.type, 'unknown math transform type');
  }
}

function validateMatchTransform(m: MatchTransform): FieldError | undefined {
  if (m.patterns.length === 0) {
    return required('patterns', 'at least one pattern must be specified if a match transform is specified');
  }
  for (const [i, p] of m.patterns.entries()) {
    let err: FieldError | undefined;
    switch (p.type) {
      case 'literal':
      case '':
        if (p.literal === undefined) err = required('literal', 'literal pattern type requires a literal');
        break;
      case 'regexp':
        if (p.regexp === undefined) err = required('regexp', 'regexp pattern type requires a regexp');
        else if (!compilesAsGoRegexp(p.regexp)) err = invalid('regexp', p.regexp, 'invalid regexp');
        break;
      default:
        err = invalid('type', p.type, 'unknown pattern type');
    }
    if (err) return err.under(`patterns[${i}]`);
  }
  return undefined;
}

function validateStringTransform(s: StringTransform): FieldError | undefined {
  switch (s.type) {
    case '':
      return required('type', 'string transform type is required');
    case 'Format':
      return s.fmt === undefined ? required('fmt', 'format transform requires a format') : undefined;
    case 'Convert':
      return s.convert === undefined
        ? required('convert', 'convert transform requires a conversion type')
        : undefined;
    case 'TrimPrefix':
    case 'TrimSuffix':
      return s.trim === undefined ? required('trim', 'trim transform requires a trim value') : undefined;
    case 'Regexp':
      if (s.regexp === undefined) return required('regexp', 'regexp transform requires a regexp');
      if (s.regexp.match === '') return required('regexp.match', 'regexp transform requires a match');
      if (!compilesAsGoRegexp(s.regexp.match))
        return invalid('regexp.match', s.regexp.match, 'invalid regexp');
      return undefined;
    case 'Join':
      return s.join === undefined ? required('join', 'join transform requires a join') : undefined;
    case 'Replace':
      if (s.replace === undefined) return required('replace', 'replace transform requires a replace');
      if (s.replace.search === '') return required('replace.search', 'replace transform requires a search');
      return undefined;
    default:
      return invalid('type', s.type, 'unknown string transform type');
  }
}

export function validateConvertTransform(c: { toType: string; format?: string }): FieldError | undefined {
  const format = c.format ?? 'none';
  if (!FORMATS.includes(format)) return invalid('format', format, 'invalid format');
  if (!IO_TYPES.includes(c.toType)) return invalid('toType', c.toType, 'invalid type');
  return undefined;
}

export function validateConnectionDetail(cd: ConnectionDetail): FieldError | undefined {
  if (cd.type === '') return required('type', 'connection detail type is required');
  if (!CONNECTION_TYPES.includes(cd.type)) return invalid('type', cd.type, 'unknown connection detail type');
  if (cd.name === '') return required('name', 'name is required');
  switch (cd.type) {
    case 'FromValue':
      if (cd.value === undefined) return required('value', 'value connection detail requires a value');
      break;
    case 'FromConnectionSecretKey':
      if (cd.fromConnectionSecretKey === undefined) {
        return required(
          'fromConnectionSecretKey',
          'from connection secret key connection detail requires a key',
        );
      }
      break;
    case 'FromFieldPath':
      if (cd.fromFieldPath === undefined) {
        return required('fromFieldPath', 'from field path connection detail requires a field path');
      }
      break;
  }
  return undefined;
}
