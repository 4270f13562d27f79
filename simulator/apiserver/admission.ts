// What kube-apiserver does to a custom resource between decoding a write and storing it, with the
// CRD's schema (src/schema): unknown and duplicate fields are refused (fieldValidation=Strict, 400), reported
// in a Warning header (Warn, the server's default) or dropped silently (Ignore), and dropped in
// every case; then defaults are applied and the object is validated, CEL rules included, with
// `oldSelf` on update. A refusal is the 422 Invalid with one cause per field error.
import { causeMessage, causeReason, type FieldValidation, prune, type SchemaError } from '../../src/schema/index.ts';
import type { KubeObject } from '../../src/api/types.ts';
import { ApiError, badRequest, invalid, invalidWithCauses } from './errors.ts';
import type { ResourceDef } from './resources.ts';

export type { FieldValidation };

export const FIELD_VALIDATIONS: readonly FieldValidation[] = ['Strict', 'Warn', 'Ignore'];

export interface AdmissionOptions {
  /** Strict, Warn (the default) or Ignore, as the `fieldValidation` query parameter says. */
  fieldValidation?: FieldValidation;
  /** Where the warnings for the `Warning` response header go (Warn). */
  warnings?: string[];
  /**
   * What strict decoding found in the request body itself, in the API server's words
   * (`duplicate field "spec.paused"`, `json patch duplicate field "[1].path"`): refused with the
   * unknown fields under Strict, warned under Warn.
   */
  decodingProblems?: readonly string[];
}

/** The 422 for schema errors: `Kind.group "name" is invalid: [field: message, ...]`. */
export function schemaInvalid(def: ResourceDef, name: string, errors: readonly SchemaError[]): ApiError {
  // An error about no field in particular is at Go's nil field.Path, which prints as <nil>.
  const causes = errors.map((e) => ({ reason: causeReason(e), message: causeMessage(e), field: e.field || '<nil>' }));
  return invalidWithCauses(def, name, causes);
}

/**
 * Prunes and defaults `obj` in place and validates it (against `old` for transition rules);
 * throws the API server's error when it would refuse the write.
 */
export function admit(def: ResourceDef, obj: KubeObject, options: AdmissionOptions, old?: KubeObject): void {
  // Decoding comes first: a body the strict decoder refuses is never validated.
  const schema = def.schema;
  const problems = [...(options.decodingProblems ?? [])];
  if (schema !== undefined) problems.push(...schema.prune(obj).map((f) => `unknown field "${f}"`));
  else if (def.fields !== undefined)
    problems.push(...prune(obj, def.fields, { root: true }).map((f) => `unknown field "${f}"`));
  const mode = options.fieldValidation ?? 'Warn';
  if (problems.length > 0 && mode === 'Strict') throw badRequest(`strict decoding error: ${problems.join(', ')}`);
  if (mode === 'Warn') options.warnings?.push(...problems);
  def.applyDefaults?.(obj);
  const own = def.validate?.(obj, old) ?? [];
  if (own.length > 0) throw invalid(def, obj.metadata.name, own);
  if (schema === undefined) return;
  schema.applyDefaults(obj);
  const errors = schema.validate(obj, old);
  if (errors.length > 0) throw schemaInvalid(def, obj.metadata.name, errors);
}

/**
 * The `fieldValidation` query parameter of a create, update or patch; absent or empty is Warn,
 * anything else unknown is the 422 kube-apiserver answers for the options object.
 */
export function fieldValidationOf(
  query: URLSearchParams,
  kind: 'CreateOptions' | 'UpdateOptions' | 'PatchOptions',
): FieldValidation | undefined {
  const value = query.get('fieldValidation');
  if (value === null || value === '') return undefined;
  if ((FIELD_VALIDATIONS as readonly string[]).includes(value)) return value as FieldValidation;
  const message = `Unsupported value: ${JSON.stringify(value)}: supported values: "", "Ignore", "Strict", "Warn"`;
  throw new ApiError(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: fieldValidation: ${message}`, {
    group: 'meta.k8s.io',
    kind,
    causes: [{ reason: 'FieldValueNotSupported', message, field: 'fieldValidation' }],
  });
}

/** The `Warning` response header values for the warnings of one write (RFC 7234 code 299). */
export function warningHeaders(warnings: readonly string[]): string[] {
  return warnings.map((w) => `299 - ${JSON.stringify(w)}`);
}
