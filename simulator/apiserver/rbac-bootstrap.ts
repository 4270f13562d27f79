// The RBAC objects kube-apiserver creates at start that every cluster has and that matter here:
// cluster-admin (bound to system:masters), and the discovery, public-info and self-review roles
// bound to every authenticated user. The store holds them from the start, so that `kubectl get
// clusterroles` lists them and `kubectl create clusterrolebinding --clusterrole=cluster-admin`
// works as on a cluster; the authorizer reads them as any other binding. Their rules are those of
// a 1.32 apiserver. The aggregated view, edit and admin roles are not among them.
import type { KubeObject } from '../../src/api/types.ts';
import type { PolicyRule } from './rbac.ts';
import { RBAC_GROUP } from './rbac-resources.ts';

const AUTHENTICATED = 'system:authenticated';

const metadata = (name: string) => ({
  name,
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
});

function clusterRole(name: string, rules: PolicyRule[]): KubeObject {
  return { apiVersion: `${RBAC_GROUP}/v1`, kind: 'ClusterRole', metadata: metadata(name), rules } as KubeObject;
}

function toGroups(name: string, groups: string[]): KubeObject {
  return {
    apiVersion: `${RBAC_GROUP}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: metadata(name),
    roleRef: { apiGroup: RBAC_GROUP, kind: 'ClusterRole', name },
    subjects: groups.map((g) => ({ apiGroup: RBAC_GROUP, kind: 'Group', name: g })),
  } as KubeObject;
}

const PUBLIC_INFO = ['/healthz', '/livez', '/readyz', '/version', '/version/'];

/** The bootstrap ClusterRoles, then their ClusterRoleBindings. */
export function bootstrapRbac(): KubeObject[] {
  return [
    clusterRole('cluster-admin', [
      { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
      { nonResourceURLs: ['*'], verbs: ['*'] },
    ]),
    clusterRole('system:basic-user', [
      {
        apiGroups: ['authorization.k8s.io'],
        resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'],
        verbs: ['create'],
      },
      { apiGroups: ['authentication.k8s.io'], resources: ['selfsubjectreviews'], verbs: ['create'] },
    ]),
    clusterRole('system:discovery', [
      {
        nonResourceURLs: [
          '/api',
          '/api/*',
          '/apis',
          '/apis/*',
          '/healthz',
          '/livez',
          '/openapi',
          '/openapi/*',
          '/readyz',
        ].concat(['/version', '/version/']),
        verbs: ['get'],
      },
    ]),
    clusterRole('system:public-info-viewer', [{ nonResourceURLs: PUBLIC_INFO, verbs: ['get'] }]),
    toGroups('cluster-admin', ['system:masters']),
    toGroups('system:basic-user', [AUTHENTICATED]),
    toGroups('system:discovery', [AUTHENTICATED]),
    toGroups('system:public-info-viewer', [AUTHENTICATED, 'system:unauthenticated']),
  ];
}
