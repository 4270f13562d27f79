// Object output as kubectl prints it, so that scripts written against `kubectl get -o ...` work
// unchanged: -o json (4-space indent, keys sorted as Go's encoder sorts a map), -o yaml, -o name
// (`kind.group/name`), several objects wrapped in a `List`; tables are src/text-table.ts.
import { stringify } from 'yaml';
import type { KubeObject } from '../api/types.ts';
import { UserError } from '../user-error.ts';

export const OUTPUT_FORMATS = ['json', 'yaml', 'name', 'wide'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export function parseOutputFormat(
  value: unknown,
  allowed: readonly OutputFormat[] = OUTPUT_FORMATS,
): OutputFormat | undefined {
  if (value === undefined || value === '') return undefined;
  if (typeof value === 'string' && (allowed as readonly string[]).includes(value)) return value as OutputFormat;
  throw new UserError(`-o ${String(value)}: unknown output format; use one of ${allowed.join(', ')}`);
}

/** kubectl's `List` wrapper around several objects. */
export function listOf(items: readonly KubeObject[]): KubeObject & { items: readonly KubeObject[] } {
  return { apiVersion: 'v1', kind: 'List', metadata: { resourceVersion: '' } as KubeObject['metadata'], items };
}

export function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(value).sort()) out[k] = sortKeys((value as Record<string, unknown>)[k]);
  return out;
}

export function toJson(value: unknown): string {
  return `${JSON.stringify(sortKeys(value), null, 4)}\n`;
}

export function toYaml(value: unknown): string {
  return stringify(sortKeys(value), { lineWidth: 0 });
}

/** `clusterpromotion.config.projectsveltos.io/NAME`. */
export function objectName(obj: KubeObject): string {
  const group = obj.apiVersion.includes('/') ? obj.apiVersion.slice(0, obj.apiVersion.indexOf('/')) : '';
  return `${obj.kind.toLowerCase()}${group ? `.${group}` : ''}/${obj.metadata.name}`;
}

/** Objects in one of the machine formats (not `wide`, which is a table). */
export function formatObjects(
  objects: readonly KubeObject[],
  format: 'json' | 'yaml' | 'name',
  single: boolean,
): string {
  if (format === 'name') return objects.map((o) => `${objectName(o)}\n`).join('');
  const value = single && objects.length === 1 ? objects[0] : listOf(objects);
  return format === 'json' ? toJson(value) : toYaml(value);
}
