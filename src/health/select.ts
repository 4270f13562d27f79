// Which objects of a managed cluster a ValidateHealth looks at. addon-controller lists the check's
// group/version/kind through the API server with a label selector built from `labelFilters` and a
// `metadata.namespace` field selector; this module reproduces that list on a set of objects.
import type { KubeObject, LabelFilter, LabelSelectorRequirement, ValidateHealth } from '../api/types.ts';
import { LABEL_FILTER_OPERATIONS } from '../api/types.ts';
import { matchesSelector } from '../api/selector.ts';
import { isDns1123Subdomain } from '../api/dns1123.ts';

export type ResourceQuery = Pick<ValidateHealth, 'group' | 'version' | 'kind' | 'namespace' | 'labelFilters'>;

/** `apps/v1` → {group: 'apps', version: 'v1'}; the core group (`v1`) is the empty string. */
export function splitApiVersion(apiVersion: string): { group: string; version: string } {
  const slash = apiVersion.lastIndexOf('/');
  return slash < 0
    ? { group: '', version: apiVersion }
    : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

/**
 * addon-controller joins the filters into a selector string (`k=v`, `k!=v`, `k`, `!k`), so they mean
 * exactly what those selector terms mean: `Different` also matches objects without the label.
 */
function asRequirement(filter: LabelFilter): LabelSelectorRequirement {
  switch (filter.operation) {
    case 'Equal':
      return { key: filter.key, operator: 'In', values: [filter.value ?? ''] };
    case 'Different':
      return { key: filter.key, operator: 'NotIn', values: [filter.value ?? ''] };
    case 'Has':
      return { key: filter.key, operator: 'Exists' };
    case 'DoesNotHave':
      return { key: filter.key, operator: 'DoesNotExist' };
  }
}

export function matchesLabelFilters(
  labels: Readonly<Record<string, string>> | undefined,
  filters: readonly LabelFilter[] | undefined,
): boolean {
  if (!filters || filters.length === 0) return true;
  return matchesSelector(labels ?? {}, { matchExpressions: filters.map(asRequirement) });
}

const LABEL_NAME = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)$/;

function labelKeyProblem(key: string): string | null {
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? null : key.slice(0, slash);
  const name = slash < 0 ? key : key.slice(slash + 1);
  if (prefix !== null && !isDns1123Subdomain(prefix)) {
    return `key ${JSON.stringify(key)} has an invalid prefix: it must be a lowercase DNS subdomain such as example.com`;
  }
  if (name.length === 0 || name.length > 63 || !LABEL_NAME.test(name)) {
    return (
      `key ${JSON.stringify(key)} is not a valid label key: at most 63 characters, alphanumeric, '-', ` +
      `'_' or '.', starting and ending with an alphanumeric character`
    );
  }
  return null;
}

function labelValueProblem(value: string): string | null {
  if (value === '') return null;
  if (value.length > 63 || !LABEL_NAME.test(value)) {
    return (
      `value ${JSON.stringify(value)} is not a valid label value: at most 63 characters, alphanumeric, ` +
      `'-', '_' or '.', starting and ending with an alphanumeric character`
    );
  }
  return null;
}

/**
 * Why a filter cannot become a label selector, or null. The API server rejects such a list
 * request, so the check can never pass; lint reports the same text.
 */
export function labelFilterProblem(filter: LabelFilter): string | null {
  if (!(LABEL_FILTER_OPERATIONS as readonly string[]).includes(filter.operation)) {
    return `operation ${JSON.stringify(filter.operation)} is not one of ${LABEL_FILTER_OPERATIONS.join(', ')}`;
  }
  const keyProblem = labelKeyProblem(filter.key);
  if (keyProblem) return keyProblem;
  if (filter.operation === 'Equal' || filter.operation === 'Different') return labelValueProblem(filter.value ?? '');
  return null;
}

/**
 * The objects a check selects, in the order the API server lists them (by namespace, then name),
 * so the first unhealthy object reported is the one Sveltos would report. The version is not
 * compared: the API server serves every stored object at any version it serves for the kind
 * (whether that version is served is the caller's `kindExists` question).
 */
export function selectObjects(query: ResourceQuery, objects: readonly KubeObject[]): KubeObject[] {
  const group = query.group ?? '';
  const namespace = query.namespace ?? '';
  const selected = objects.filter((o) => {
    if (o.kind !== query.kind || splitApiVersion(o.apiVersion).group !== group) return false;
    if (namespace !== '' && (o.metadata.namespace ?? '') !== namespace) return false;
    return matchesLabelFilters(o.metadata.labels, query.labelFilters);
  });
  return selected.sort((a, b) => compareKeys(objectKey(a), objectKey(b)));
}

function objectKey(o: KubeObject): string {
  return `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
}

// etcd orders keys bytewise, not by locale.
function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
