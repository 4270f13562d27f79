// Order-insensitive comparison and hashing of API values. Kubernetes round-trips objects through
// JSON, so key order carries no meaning; list order does, except where noted by the caller.
import { createHash } from 'node:crypto';

/** JSON with object keys sorted at every level, so that equal values serialise equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeys(v);
    }
    return out;
  }
  return value;
}

/** Structural equality as the API server sees it: undefined fields and key order do not count. */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const emptyA = a === undefined || (Array.isArray(a) && a.length === 0);
  const emptyB = b === undefined || (Array.isArray(b) && b.length === 0);
  if (emptyA && emptyB) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  return canonicalJson(a) === canonicalJson(b);
}

// Thousands of summaries share a handful of spec lists (the fleet hands each the profile's), so a
// list's canonical form is worked out once per object. Sound only for values that are replaced,
// never edited in place, as API objects from watches and from the simulated fleet are.
const prints = new WeakMap<object, string>();

/** A value's canonical JSON, kept per object, with a missing list and an empty one alike (as sameValue). */
export function fingerprint(v: unknown): string {
  if (v === undefined || (Array.isArray(v) && v.length === 0)) return '';
  if (typeof v !== 'object' || v === null) return JSON.stringify(v);
  let p = prints.get(v);
  if (p === undefined) {
    p = canonicalJson(v);
    prints.set(v, p);
  }
  return p;
}

/** SHA-256, base64 encoded as Kubernetes encodes a []byte status field. */
export function sha256Base64(text: string): string {
  return createHash('sha256').update(text).digest('base64');
}
