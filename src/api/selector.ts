// Kubernetes label selector semantics (apimachinery's LabelSelectorAsSelector): every matchLabels
// pair and every matchExpressions requirement must hold. An empty selector matches everything;
// ClusterPromotion stages, like ClusterProfiles, are expected to carry a selector.
import type { LabelSelector } from './types.ts';

export function matchesSelector(
  labels: Readonly<Record<string, string>>,
  selector: LabelSelector | undefined,
): boolean {
  if (!selector) return true;
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) {
    if (labels[k] !== v) return false;
  }
  for (const req of selector.matchExpressions ?? []) {
    const has = Object.hasOwn(labels, req.key);
    const values = req.values ?? [];
    switch (req.operator) {
      case 'In':
        if (!has || !values.includes(labels[req.key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[req.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
      default:
        return false;
    }
  }
  return true;
}

const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
/** Whether a string can be a label's value (at most 63 characters, as apimachinery checks). */
export function isLabelValue(v: string): boolean {
  return v.length <= 63 && LABEL_VALUE.test(v);
}

const LABEL_KEY = /^([a-z0-9]([-a-z0-9.]*[a-z0-9])?\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/**
 * The selector in the `labelSelector` query syntax, so that the API server does the selecting; null
 * when it has no such form (an `In` without values, an operator or a label the API would refuse),
 * and the caller reads everything and selects with matchesSelector.
 */
export function selectorQuery(selector: LabelSelector | undefined): string | null {
  const terms: string[] = [];
  const valid = (key: string, values: readonly string[]) =>
    LABEL_KEY.test(key) && values.every((v) => typeof v === 'string' && LABEL_VALUE.test(v));
  for (const [k, v] of Object.entries(selector?.matchLabels ?? {})) {
    if (!valid(k, [v])) return null;
    terms.push(`${k}=${v}`);
  }
  for (const req of selector?.matchExpressions ?? []) {
    const values = req.values ?? [];
    if (!valid(req.key, values)) return null;
    switch (req.operator) {
      case 'In':
      case 'NotIn':
        if (values.length === 0) return null;
        terms.push(`${req.key} ${req.operator.toLowerCase()} (${values.join(',')})`);
        break;
      case 'Exists':
        terms.push(req.key);
        break;
      case 'DoesNotExist':
        terms.push(`!${req.key}`);
        break;
      default:
        return null;
    }
  }
  return terms.join(',');
}
