export { validate } from './validate.js';
export { applyDefaults } from './defaults.js';
export { loadCrdIndex, splitApiVersion } from './crds.js';
export type { CrdIndex, CrdEntry, CrdLookup, CrdVersion, CrdIndexStats } from './crds.js';
export { validateObject } from './object.js';
export type { ObjectValidation, ValidateObjectOptions } from './object.js';
export { validateObjectMeta } from './objectmeta.js';
export { checkFormat, SUPPORTED_FORMATS } from './formats.js';
export { formatSchemaError } from './errors.js';
export type {
  JSONSchemaProps,
  ValidationRule,
  ValidationReason,
  SchemaError,
  SchemaErrorKind,
  ValidateOptions,
} from './types.js';
export { isBlockingError, NOT_CHECKED } from './errors.js';
export { unknownFieldPaths } from './prune.js';
