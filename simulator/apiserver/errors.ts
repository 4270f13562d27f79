// Failures as the Kubernetes API reports them: a `Status` object whose reason, code, message and
// details match what kube-apiserver sends, because clients (kubectl, client-go, client-node)
// branch on the reason and print the message verbatim.
import type { FieldError, ResourceDef } from './resources.ts';
import { qualifiedName } from './resources.ts';

export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Unauthorized'
  | 'Forbidden'
  | 'Gone'
  | 'Expired'
  | 'UnsupportedMediaType'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'BadRequest'
  | 'Timeout'
  | 'InternalError';

export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

export interface StatusDetails {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

export interface Status {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: StatusReason;
  details?: StatusDetails;
  code: number;
}

/** An API failure; the store throws it and the server sends its `status` as the body. */
export class ApiError extends Error {
  readonly status: Status;
  /** More than the wire says, for in-process callers and logs. */
  detail?: string;
  constructor(code: number, reason: StatusReason, message: string, details?: StatusDetails) {
    super(message);
    this.name = 'ApiError';
    this.status = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message,
      reason,
      ...(details === undefined ? {} : { details }),
      code,
    };
  }
  get code(): number {
    return this.status.code;
  }
  get reason(): StatusReason {
    return this.status.reason;
  }
}

function detailsOf(def: ResourceDef, name: string): StatusDetails {
  return { name, group: def.group, kind: def.plural };
}

export function notFound(def: ResourceDef, name: string): ApiError {
  return new ApiError(404, 'NotFound', `${qualifiedName(def)} "${name}" not found`, detailsOf(def, name));
}

export function alreadyExists(def: ResourceDef, name: string): ApiError {
  return new ApiError(409, 'AlreadyExists', `${qualifiedName(def)} "${name}" already exists`, detailsOf(def, name));
}

export function conflict(
  def: ResourceDef,
  name: string,
  why = 'the object has been modified; please apply your changes to the latest version and try again',
): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualifiedName(def)} "${name}": ${why}`,
    detailsOf(def, name),
  );
}

/** Go's %v of a value in a field error: quoted strings, plain numbers, JSON for the rest. */
function goValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value) ?? 'null';
}

const CAUSE_REASONS: Record<FieldError['type'], string> = {
  Required: 'FieldValueRequired',
  Invalid: 'FieldValueInvalid',
  Duplicate: 'FieldValueDuplicate',
  Forbidden: 'FieldValueForbidden',
  NotSupported: 'FieldValueNotSupported',
};

function causeMessage(e: FieldError): string {
  switch (e.type) {
    case 'Required':
      return e.detail === undefined ? 'Required value' : `Required value: ${e.detail}`;
    case 'Duplicate':
      return `Duplicate value: ${goValue(e.value)}`;
    case 'Forbidden':
      return e.detail === undefined ? 'Forbidden' : `Forbidden: ${e.detail}`;
    case 'Invalid':
      return `Invalid value: ${e.printed ?? goValue(e.value)}${e.detail === undefined ? '' : `: ${e.detail}`}`;
    case 'NotSupported':
      return (
        `Unsupported value: ${goValue(e.value)}: supported values: ` +
        (e.supported ?? []).map((v) => JSON.stringify(v)).join(', ')
      );
  }
}

export function invalid(def: ResourceDef, name: string, errors: FieldError[]): ApiError {
  const causes = errors.map((e) => ({ reason: CAUSE_REASONS[e.type], message: causeMessage(e), field: e.field }));
  return invalidWithCauses(def, name, causes);
}

/** The 422 `Kind.group "name" is invalid: ...` with its causes, as every validation failure answers. */
export function invalidWithCauses(
  def: ResourceDef,
  name: string,
  causes: readonly { reason: string; message: string; field: string }[],
): ApiError {
  const listed = causes.map((c) => `${c.field}: ${c.message}`);
  const summary = listed.length === 1 ? listed[0] : `[${listed.join(', ')}]`;
  const kind = def.group === '' ? def.kind : `${def.kind}.${def.group}`;
  return new ApiError(422, 'Invalid', `${kind} "${name}" is invalid: ${summary}`, {
    name,
    group: def.group,
    kind: def.kind,
    causes: [...causes],
  });
}

/**
 * What kube-apiserver answers when a JSON Patch cannot be applied, a failed `test` included: a
 * generic 422 that does not say which operation failed. The reason stays on the error, in process.
 */
export function patchNotApplicable(why: string): ApiError {
  const err = new ApiError(422, 'Invalid', 'the server rejected our request due to an error in our request', {});
  err.detail = why;
  return err;
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

export function forbidden(message: string, details?: StatusDetails): ApiError {
  return new ApiError(403, 'Forbidden', message, details);
}

/** A watch or a continue token older than the retained history. */
export function expired(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function unsupportedMediaType(accepted: string[]): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

export function methodNotAllowed(): ApiError {
  return new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');
}

export function notAcceptable(): ApiError {
  return new ApiError(
    406,
    'NotAcceptable',
    'the server was unable to respond with a content type that the client supports',
  );
}

export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource');
}

export function tooLargeResourceVersion(requested: number, current: number): ApiError {
  return new ApiError(504, 'Timeout', `Too large resource version: ${requested}, current: ${current}`, {
    causes: [{ reason: 'ResourceVersionTooLarge', message: 'Too large resource version' }],
    retryAfterSeconds: 1,
  });
}
