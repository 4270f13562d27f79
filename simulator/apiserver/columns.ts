// Printer columns from a CRD's additionalPrinterColumns: the JSONPath subset controller-gen
// writes (`.status.ready`, `.items[0].x`, `[*]`, `[?(@.featureID=="Helm")].status`), evaluated as
// kube-apiserver's table convertor does: several results are joined with commas.
import type { KubeObject } from '../../src/api/types.ts';
import type { PrinterColumnDefinition } from '../../src/schema/index.ts';
import type { PrinterColumn } from './resources.ts';

type Step = { key: string } | { index: number } | { all: true } | { filter: string; equals: string };

// One step at the start of the rest of the path; the capture groups tell parseJsonPath which kind.
const STEP = new RegExp(
  `^(?:${[
    String.raw`\.([A-Za-z0-9_-]+)`, // .key: group 1
    String.raw`\[(\d+)\]`, // [0]: group 2
    String.raw`\[\*\]`, // [*]
    String.raw`\[\?\(@\.([A-Za-z0-9_.-]+)\s*==\s*["']([^"']*)["']\)\]`, // [?(@.k=="v")]: groups 3 and 4
    String.raw`\[['"]((?:[^'"\\]|\\.)*)['"]\]`, // ['quoted.key']: group 5
  ].join('|')})`,
);

export function parseJsonPath(path: string): Step[] {
  const steps: Step[] = [];
  let rest = path.trim().replace(/^\{|\}$/g, '');
  while (rest !== '') {
    const m = STEP.exec(rest);
    if (m === null) throw new Error(`unsupported JSONPath ${path}`);
    if (m[1] !== undefined) steps.push({ key: m[1] });
    else if (m[2] !== undefined) steps.push({ index: Number(m[2]) });
    else if (m[3] !== undefined) steps.push({ filter: m[3], equals: m[4]! });
    else if (m[5] !== undefined) steps.push({ key: m[5].replace(/\\(.)/g, '$1') });
    else steps.push({ all: true });
    rest = rest.slice(m[0].length);
  }
  return steps;
}

function fieldOf(v: unknown, dotted: string): unknown {
  let at = v;
  for (const k of dotted.split('.'))
    at = at !== null && typeof at === 'object' ? (at as Record<string, unknown>)[k] : undefined;
  return at;
}

export function evaluateJsonPath(steps: readonly Step[], obj: unknown): unknown[] {
  let values: unknown[] = [obj];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of values) {
      if ('key' in step) {
        const x =
          v !== null && typeof v === 'object' && !Array.isArray(v)
            ? (v as Record<string, unknown>)[step.key]
            : undefined;
        if (x !== undefined) next.push(x);
      } else if ('index' in step) {
        if (Array.isArray(v) && v[step.index] !== undefined) next.push(v[step.index]);
      } else if ('all' in step) {
        if (Array.isArray(v)) next.push(...v);
      } else if (Array.isArray(v)) {
        next.push(...v.filter((x) => String(fieldOf(x, step.filter)) === step.equals));
      }
    }
    values = next;
  }
  return values;
}

/** The columns of a CRD version, as the served resource prints them. */
export function printerColumns(defs: readonly PrinterColumnDefinition[]): PrinterColumn[] {
  return defs.map((d) => {
    const steps = parseJsonPath(d.jsonPath);
    return {
      name: d.name,
      type: d.type,
      ...(d.format === undefined ? {} : { format: d.format }),
      description: d.description ?? '',
      priority: d.priority ?? 0,
      jsonPath: d.jsonPath,
      value: (o: KubeObject) => {
        const found = evaluateJsonPath(steps, o);
        if (found.length === 0) return undefined;
        if (found.length === 1) return found[0];
        return found.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(',');
      },
    };
  });
}
