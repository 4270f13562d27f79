// The patch formats the API accepts, applied to a plain (unfrozen) copy of the stored object.
// Failures carry the reason and message kube-apiserver gives, so that a client guarding a write
// with a JSON Patch `test` sees the same 422 it would see against a real cluster.
import jsonPatch from 'fast-json-patch';
import type { Operation } from 'fast-json-patch';
import { badRequest, patchNotApplicable } from './errors.ts';

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

/** RFC 7386: objects merge key by key, null removes, anything else replaces. */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (!isObject(patch)) return patch;
  const result: Record<string, unknown> = isObject(target) ? { ...target } : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete result[key];
    else result[key] = mergePatch(result[key], value);
  }
  return result;
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
