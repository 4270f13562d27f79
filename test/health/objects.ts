// Small builders for the managed-cluster objects the health tests look at.
import type { KubeObject } from '../../src/api/types.ts';

export function obj(
  apiVersion: string,
  kind: string,
  namespace: string | undefined,
  name: string,
  labels: Record<string, string> = {},
  rest: Record<string, unknown> = {},
): KubeObject {
  return { apiVersion, kind, metadata: { name, ...(namespace === undefined ? {} : { namespace }), labels }, ...rest };
}

export function deployment(
  namespace: string,
  name: string,
  replicas: number,
  available: number | undefined,
  labels: Record<string, string> = {},
): KubeObject {
  return obj('apps/v1', 'Deployment', namespace, name, labels, {
    spec: { replicas, selector: { matchLabels: { app: name } } },
    status: available === undefined ? {} : { replicas, availableReplicas: available, readyReplicas: available },
  });
}

export function job(namespace: string, name: string, status: Record<string, unknown>): KubeObject {
  return obj('batch/v1', 'Job', namespace, name, { app: name }, { spec: { backoffLimit: 6 }, status });
}
