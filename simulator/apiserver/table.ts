// Server-side printing: the `meta.k8s.io` Table kubectl asks for with
// `Accept: application/json;as=Table;v=v1;g=meta.k8s.io`. Ages are computed here from the store's
// clock, as kube-apiserver computes them from its own, so a simulation on virtual time shows
// virtual ages.
import { kubectlAge } from '../../src/duration.ts';
import type { KubeObject } from '../../src/api/types.ts';
import type { PrinterColumn, ResourceDef } from './resources.ts';
import type { ListMeta } from './wire.ts';

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

function rowObject(obj: KubeObject, options: TableOptions): unknown {
  switch (options.includeObject) {
    case 'None':
      return undefined;
    case 'Object':
      return obj;
    case 'Metadata':
      return { kind: 'PartialObjectMetadata', apiVersion: `meta.k8s.io/${options.version}`, metadata: obj.metadata };
  }
}

export function toTable(def: ResourceDef, items: readonly KubeObject[], meta: ListMeta, options: TableOptions): object {
  const columns = def.columns;
  return {
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
    rows: items.map((obj) => ({
      cells: [obj.metadata.name, ...columns.map((c) => cell(c, c.value(obj, options.now), options.now))],
      object: rowObject(obj, options),
    })),
  };
}
