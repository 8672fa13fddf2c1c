/** An OpenAPI v3 schema as found in a CRD version (`spec.versions[].schema.openAPIV3Schema`) or an XRD. */
export interface JSONSchemaProps {
  type?: string;
  format?: string;
  description?: string;
  title?: string;
  nullable?: boolean;
  default?: unknown;
  example?: unknown;
  enum?: unknown[];
  pattern?: string;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: boolean;
  exclusiveMaximum?: boolean;
  multipleOf?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  uniqueItems?: boolean;
  minProperties?: number;
  maxProperties?: number;
  required?: string[];
  properties?: Record<string, JSONSchemaProps>;
  additionalProperties?: JSONSchemaProps | boolean;
  items?: JSONSchemaProps;
  allOf?: JSONSchemaProps[];
  anyOf?: JSONSchemaProps[];
  oneOf?: JSONSchemaProps[];
  not?: JSONSchemaProps;
  'x-kubernetes-preserve-unknown-fields'?: boolean;
  'x-kubernetes-embedded-resource'?: boolean;
  'x-kubernetes-int-or-string'?: boolean;
  'x-kubernetes-list-type'?: 'atomic' | 'set' | 'map';
  'x-kubernetes-list-map-keys'?: string[];
  'x-kubernetes-map-type'?: 'atomic' | 'granular';
  'x-kubernetes-validations'?: ValidationRule[];
}

export type ValidationReason =
  'FieldValueInvalid' | 'FieldValueForbidden' | 'FieldValueRequired' | 'FieldValueDuplicate';

export interface ValidationRule {
  rule: string;
  message?: string;
  messageExpression?: string;
  reason?: ValidationReason;
  fieldPath?: string;
  optionalOldSelf?: boolean;
}

export type SchemaErrorKind =
  | 'unknown-field'
  | 'type'
  | 'required'
  | 'enum'
  | 'pattern'
  | 'format'
  | 'range'
  | 'length'
  | 'items'
  | 'properties'
  | 'duplicate'
  | 'composition'
  | 'rule'
  | 'rule-error'
  | 'metadata'
  | 'unknown-kind'
  | 'version';

export interface SchemaError {
  /**
   * Field path as the apiserver prints it, e.g. `spec.forProvider.region`, `spec.subnets[0]`,
   * `spec.tags.env` (a map value; `spec.tags[env]` when a CEL rule names it).
   */
  path: string;
  /** The apiserver-style message body, e.g. `Required value`, `Unsupported value: "x": supported values: "a"`. */
  message: string;
  kind: SchemaErrorKind;
  /** For `rule` errors: the CEL rule that failed. */
  rule?: string;
  /** For `rule` errors: the rule's reason (default FieldValueInvalid). */
  reason?: ValidationReason;
}

export interface ValidateOptions {
  /** The object before the update; enables transition rules (`oldSelf`). */
  oldObj?: unknown;
  /** Path prefix of `obj` (default: root, empty). */
  path?: string;
  /**
   * Treat `obj` as a whole Kubernetes object: `metadata` is not validated by the schema (beyond name and
   * generateName) and CEL sees only `metadata.name` / `metadata.generateName`, as the apiserver does.
   */
  kubernetesObject?: boolean;
}
