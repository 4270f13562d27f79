// The patch formats the API accepts, applied to a plain (unfrozen) copy of the stored object.
// Failures carry the reason and message kube-apiserver gives, so that a client guarding a write
// with a JSON Patch `test` sees the same 422 it would see against a real cluster.
import jsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { ApiError, badRequest, patchNotApplicable } from './errors.ts';

export type PatchType = 'json' | 'merge' | 'strategic' | 'apply';

/** Content-Type of each patch format, as clients send it. */
export const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  json: 'application/json-patch+json',
  merge: 'application/merge-patch+json',
  strategic: 'application/strategic-merge-patch+json',
  apply: 'application/apply-patch+yaml',
};

export function patchTypeOf(contentType: string): PatchType | undefined {
  const media = contentType.split(';')[0]!.trim().toLowerCase();
  const found = Object.entries(PATCH_CONTENT_TYPES).find(([, type]) => type === media);
  return found?.[0] as PatchType | undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Words of the Go json-patch library kube-apiserver uses, for the 422's cause. */
function describeFailure(op: { op?: unknown; path?: unknown }, name: string): string {
  const path = typeof op.path === 'string' ? op.path : '';
  switch (name) {
    case 'TEST_OPERATION_FAILED':
      return `testing value ${path} failed: test failed`;
    case 'OPERATION_PATH_UNRESOLVABLE':
    case 'OPERATION_FROM_UNRESOLVABLE':
    case 'OPERATION_PATH_CANNOT_ADD':
      return `${String(op.op)} operation does not apply: doc is missing path: "${path}": missing value`;
    case 'OPERATION_OP_INVALID':
      return `Unexpected kind: ${String(op.op)}`;
    default:
      return `invalid JSON Patch operation ${JSON.stringify(op)}`;
  }
}

/** RFC 6902, every operation validated; the document is modified in place, the result returned. */
export function applyJsonPatch(doc: Record<string, unknown>, patch: unknown): unknown {
  if (!Array.isArray(patch)) throw badRequest('json: cannot unmarshal object into Go value of type jsonpatch.Patch');
  let result: unknown = doc;
  for (const [i, op] of patch.entries()) {
    try {
      result = jsonPatch.applyOperation(result, op as Operation, true, true, true, i).newDocument;
    } catch (err) {
      if (err instanceof jsonPatch.JsonPatchError) throw patchNotApplicable(describeFailure(op ?? {}, err.name));
      throw err;
    }
  }
  return result;
}

/** JSON as Go's encoding/json writes it: compact, object keys sorted, `<`, `>` and `&` escaped. */
function goJson(value: unknown): string {
  const sorted = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(sorted);
    if (!isObject(v)) return v;
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sorted(v[k])]),
    );
  };
  return JSON.stringify(sorted(value)).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
}

function goJsonType(value: unknown): string {
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'boolean') return 'bool';
  return typeof value;
}

/**
 * A merge patch whose body is not an object (typically a JSON Patch sent with the merge patch
 * content type) replaces the whole document, which then cannot be decoded as an object: the
 * apiserver's 422 for it, worded as the apiserver words it.
 */
export function patchResultNotAnObject(patched: unknown): ApiError {
  if (patched === null) return badRequest('Invalid JSON Patch');
  const decodeError =
    `couldn't get version/kind; json parse error: json: cannot unmarshal ${goJsonType(patched)} into Go value of ` +
    'type struct { APIVersion string "json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }';
  const message = `Invalid value: ${JSON.stringify(goJson(patched))}: ${decodeError}`;
  return new ApiError(422, 'Invalid', ` "" is invalid: patch: ${message}`, {
    causes: [{ reason: 'FieldValueInvalid', message, field: 'patch' }],
  });
}
