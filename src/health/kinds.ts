// Which API kinds a simulated cluster serves. addon-controller asks discovery for the check's
// group/version/kind and lets the check pass when it is unknown (the CRD is not installed yet),
// so a wrong answer here turns "did not fetch any resource" into a pass or the other way round.
import type { KubeObject } from '../api/types.ts';
import { splitApiVersion } from './select.ts';

export interface ApiKind {
  group: string;
  version: string;
  kind: string;
}

/** Kinds every conformant Kubernetes cluster (1.25 or later) serves. */
export const BUILTIN_KINDS: readonly ApiKind[] = [
  ...kinds('', 'v1', [
    'Pod',
    'Service',
    'ConfigMap',
    'Secret',
    'Namespace',
    'Node',
    'ServiceAccount',
    'Endpoints',
    'PersistentVolume',
    'PersistentVolumeClaim',
    'ReplicationController',
    'ResourceQuota',
    'LimitRange',
    'Event',
  ]),
  ...kinds('apps', 'v1', ['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ControllerRevision']),
  ...kinds('batch', 'v1', ['Job', 'CronJob']),
  ...kinds('autoscaling', 'v1', ['HorizontalPodAutoscaler']),
  ...kinds('autoscaling', 'v2', ['HorizontalPodAutoscaler']),
  ...kinds('policy', 'v1', ['PodDisruptionBudget']),
  ...kinds('networking.k8s.io', 'v1', ['Ingress', 'IngressClass', 'NetworkPolicy']),
  ...kinds('rbac.authorization.k8s.io', 'v1', ['Role', 'RoleBinding', 'ClusterRole', 'ClusterRoleBinding']),
  ...kinds('storage.k8s.io', 'v1', ['StorageClass', 'CSIDriver', 'CSINode', 'VolumeAttachment']),
  ...kinds('apiextensions.k8s.io', 'v1', ['CustomResourceDefinition']),
  ...kinds('admissionregistration.k8s.io', 'v1', ['MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration']),
  ...kinds('coordination.k8s.io', 'v1', ['Lease']),
  ...kinds('discovery.k8s.io', 'v1', ['EndpointSlice']),
  ...kinds('scheduling.k8s.io', 'v1', ['PriorityClass']),
  ...kinds('events.k8s.io', 'v1', ['Event']),
];

function kinds(group: string, version: string, names: string[]): ApiKind[] {
  return names.map((kind) => ({ group, version, kind }));
}

function kindKey(k: ApiKind): string {
  return `${k.group}/${k.version}/${k.kind}`;
}

/**
 * A `kindExists` for a simulated cluster: built-in kinds always exist; any other kind exists when
 * the caller lists it (a CRD installed with no objects yet) or an object of it is present.
 */
export function defaultKindExists(
  objects: readonly KubeObject[],
  extraKinds: readonly ApiKind[] = [],
): (group: string, version: string, kind: string) => boolean {
  const all = [
    ...BUILTIN_KINDS,
    ...extraKinds,
    ...objects.map((o) => ({ ...splitApiVersion(o.apiVersion), kind: o.kind })),
  ];
  const known = new Set(all.map(kindKey));
  // With no version, the REST mapper takes the group's preferred one: any served version will do.
  const anyVersion = new Set(all.map((k) => kindKey({ ...k, version: '' })));
  return (group, version, kind) => (version === '' ? anyVersion : known).has(kindKey({ group, version, kind }));
}
