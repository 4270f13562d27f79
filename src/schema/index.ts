// The one API schema: the Sveltos CRDs, applied as kube-apiserver applies them.
export {
  bundledCrds,
  bundledSchema,
  bundledSource,
  BUNDLED_SOURCES,
  type CrdSource,
  withBundledDefaults,
} from './bundled.ts';
export { causeMessage, causeReason, fieldErrorText, lintMessage } from './messages.ts';
export {
  type Admission,
  asCrd,
  CrdError,
  type FieldValidation,
  ResourceSchema,
  RULES_NOT_CHECKED,
} from './resource-schema.ts';
export { checkRules, ruleCompileError } from './rules.ts';
export {
  applyDefaults,
  childField,
  isAtomicMap,
  listInfo,
  type ListInfo,
  type PathSegment,
  propertySchema,
  prune,
  pruneFields,
  type SchemaError,
  schemaAt,
  type UnknownField,
  unknownFields,
  validateValue,
} from './structural.ts';
export type { CustomResourceDefinition, PrinterColumnDefinition, Schema, ValidationRule } from './types.ts';
