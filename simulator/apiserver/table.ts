// Server-side printing: the `meta.k8s.io` Table kubectl asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Ages are computed here from the store's
// clock, as kube-apiserver computes them from its own, so a simulation on virtual time shows
// virtual ages.
import { kubectlAge } from '../../src/duration.ts';
import type { KubeObject } from '../../src/api/types.ts';
import type { PrinterColumn, ResourceDef } from './resources.ts';
import { encodeObject, type ListMeta } from './wire.ts';

export type IncludeObject = 'None' | 'Metadata' | 'Object';

export interface TableOptions {
  now: Date;
  /** `meta.k8s.io/v1` or the older `v1beta1` some clients ask for first. */
  version: 'v1' | 'v1beta1';
  includeObject: IncludeObject;
  /** Leave out column definitions (every watch event after the first). */
  noHeaders?: boolean;
}

const NAME_COLUMN = {
  name: 'Name',
  type: 'string',
  format: 'name',
  description:
    'Name must be unique within a namespace. Is required when creating resources, although some resources ' +
    'may allow a client to request the generation of an appropriate name automatically. Name is primarily ' +
    'intended for creation idempotence and configuration definition. Cannot be updated. More info: ' +
    'https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  priority: 0,
};

function cell(column: PrinterColumn, value: unknown, now: Date): unknown {
  if (column.type === 'date') {
    if (typeof value !== 'string') return '<unknown>';
    const at = Date.parse(value);
    if (Number.isNaN(at)) return '<unknown>';
    // Go's time.RFC3339 of the UTC time: whole seconds.
    if (column.timestamp) return `${new Date(at).toISOString().slice(0, 19)}Z`;
    return kubectlAge(now.getTime() - at);
  }
  return value ?? null;
}

const metadataBytes = new WeakMap<object, Partial<Record<TableOptions['version'], Buffer>>>();

/** A row's object as bytes: the stored object's cached encoding, or its metadata's, cached too. */
function rowObject(obj: KubeObject, options: TableOptions): Buffer | null {
  switch (options.includeObject) {
    case 'None':
      return null;
    case 'Object':
      return encodeObject(obj);
    case 'Metadata': {
      const v = options.version;
      const cached = Object.isFrozen(obj.metadata) ? metadataBytes.get(obj.metadata) : undefined;
      const hit = cached?.[v];
      if (hit !== undefined) return hit;
      const partial = { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${v}`, metadata: obj.metadata };
      const bytes = Buffer.from(JSON.stringify(partial));
      if (Object.isFrozen(obj.metadata)) metadataBytes.set(obj.metadata, { ...cached, [v]: bytes });
      return bytes;
    }
  }
}

/**
 * The Table as JSON bytes. Cells are worked out per request (ages move with the clock); the rows'
 * objects, most of the bytes, are the cached encodings joined with one copy, as lists are (wire.ts).
 */
export function encodeTable(
  def: ResourceDef,
  items: readonly KubeObject[],
  meta: ListMeta,
  options: TableOptions,
): Buffer {
  const columns = def.columns;
  const head = {
    kind: 'Table',
    apiVersion: `meta.k8s.io/${options.version}`,
    metadata: meta,
    ...(options.noHeaders
      ? {}
      : {
          columnDefinitions: [
            NAME_COLUMN,
            ...columns.map((c) => ({
              name: c.name,
              type: c.type,
              format: c.format ?? '',
              description: c.description,
              priority: c.priority,
            })),
          ],
        }),
  };
  const parts: Buffer[] = [Buffer.from(`${JSON.stringify(head).slice(0, -1)},"rows":[`)];
  for (let i = 0; i < items.length; i++) {
    const obj = items[i]!;
    const cells = [obj.metadata.name, ...columns.map((c) => cell(c, c.value(obj, options.now), options.now))];
    const object = rowObject(obj, options);
    const open = `${i > 0 ? ',' : ''}{"cells":${JSON.stringify(cells)}`;
    if (object === null) parts.push(Buffer.from(`${open}}`));
    else parts.push(Buffer.from(`${open},"object":`), object, ROW_END);
  }
  parts.push(TABLE_END);
  return Buffer.concat(parts);
}

const ROW_END = Buffer.from('}');
const TABLE_END = Buffer.from(']}');
