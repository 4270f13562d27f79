// Content negotiation as kube-apiserver does it: the Accept header lists media types in order of
// preference, with `as`/`g`/`v` parameters naming a special rendering (Table, aggregated
// discovery). The first one this server can produce wins; protobuf is never produced, so clients
// fall back to JSON as they do against servers without protobuf for a type.

export interface MediaRange {
  type: string;
  params: Record<string, string>;
}

export function parseAccept(header: string | undefined): MediaRange[] {
  if (header === undefined || header.trim() === '') return [{ type: '*/*', params: {} }];
  return header.split(',').map((part) => {
    const [type, ...rest] = part.split(';');
    const params: Record<string, string> = {};
    for (const p of rest) {
      const eq = p.indexOf('=');
      if (eq > 0) params[p.slice(0, eq).trim().toLowerCase()] = p.slice(eq + 1).trim();
    }
    return { type: type!.trim().toLowerCase(), params };
  });
}

function isJson(range: MediaRange): boolean {
  return range.type === 'application/json' || range.type === 'application/*' || range.type === '*/*';
}

export type Rendering =
  | { kind: 'json' }
  | { kind: 'table'; version: 'v1' | 'v1beta1'; contentType: string }
  | { kind: 'discovery'; version: 'v2' | 'v2beta1'; contentType: string };

/**
 * The first rendering of the Accept list this server produces. `special` says which `as=`
 * renderings the endpoint offers; null: nothing acceptable (406).
 */
export function negotiate(header: string | undefined, special: 'table' | 'discovery' | 'none'): Rendering | null {
  for (const range of parseAccept(header)) {
    if (!isJson(range)) continue;
    const as = range.params.as;
    if (as === undefined) return { kind: 'json' };
    if (special === 'table' && as === 'Table' && range.params.g === 'meta.k8s.io') {
      const v = range.params.v;
      if (v === 'v1' || v === 'v1beta1') {
        return { kind: 'table', version: v, contentType: `application/json;as=Table;v=${v};g=meta.k8s.io` };
      }
    }
    if (special === 'discovery' && as === 'APIGroupDiscoveryList' && range.params.g === 'apidiscovery.k8s.io') {
      const v = range.params.v;
      if (v === 'v2' || v === 'v2beta1') {
        return {
          kind: 'discovery',
          version: v,
          contentType: `application/json;g=apidiscovery.k8s.io;v=${v};as=APIGroupDiscoveryList`,
        };
      }
    }
  }
  return null;
}
