// Discovery documents: the legacy ones (/api, /apis, /apis/G, /apis/G/V) every kubectl reads, and
// the aggregated `apidiscovery.k8s.io` list newer clients ask for first to save round trips.
import type { ResourceDef } from './resources.ts';
import { apiGroups, RESOURCES, resourcesOf } from './resources.ts';
import { REVIEW_KINDS, type ReviewKind } from './reviews.ts';

const VERBS = ['delete', 'deletecollection', 'get', 'list', 'patch', 'create', 'update', 'watch'];
const STATUS_VERBS = ['get', 'patch', 'update'];

export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0+promotion-sim',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2025-01-01T00:00:00Z',
  goVersion: 'go1.23.4',
  compiler: 'gc',
  platform: 'linux/amd64',
};

function groupVersion(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

export function coreVersions(serverAddress: string): object {
  return {
    kind: 'APIVersions',
    versions: ['v1'],
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

function apiGroup(name: string, versions: string[]): object {
  const list = versions.map((version) => ({ groupVersion: groupVersion(name, version), version }));
  return { name, versions: list, preferredVersion: list[0] };
}

/** The stored resources' groups, then the groups of the create-only reviews. */
function servedGroups(): { name: string; versions: string[] }[] {
  const groups = apiGroups();
  for (const k of REVIEW_KINDS) {
    const found = groups.find((g) => g.name === k.group);
    if (found === undefined) groups.push({ name: k.group, versions: [k.version] });
    else if (!found.versions.includes(k.version)) found.versions.push(k.version);
  }
  return groups;
}

function reviewsOf(group: string, version: string): ReviewKind[] {
  return REVIEW_KINDS.filter((k) => k.group === group && k.version === version);
}

export function groupList(): object {
  return { kind: 'APIGroupList', apiVersion: 'v1', groups: servedGroups().map((g) => apiGroup(g.name, g.versions)) };
}

export function groupDocument(group: string): object | undefined {
  const found = servedGroups().find((g) => g.name === group);
  return found === undefined
    ? undefined
    : { kind: 'APIGroup', apiVersion: 'v1', ...apiGroup(found.name, found.versions) };
}

export function resourceList(group: string, version: string): object | undefined {
  const defs = resourcesOf(group, version);
  const reviews = reviewsOf(group, version);
  if (defs.length === 0 && reviews.length === 0) return undefined;
  const resources: object[] = reviews.map((k) => ({
    name: k.plural,
    singularName: k.kind.toLowerCase(),
    namespaced: false,
    kind: k.kind,
    verbs: ['create'],
  }));
  for (const def of defs) {
    resources.push({
      name: def.plural,
      singularName: def.singular,
      namespaced: def.namespaced,
      kind: def.kind,
      verbs: VERBS,
      ...(def.shortNames.length > 0 ? { shortNames: def.shortNames } : {}),
      ...(def.categories.length > 0 ? { categories: def.categories } : {}),
    });
    if (def.statusSubresource) {
      resources.push({
        name: `${def.plural}/status`,
        singularName: '',
        namespaced: def.namespaced,
        kind: def.kind,
        verbs: STATUS_VERBS,
      });
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: groupVersion(group, version), resources };
}

function discoveredResource(def: ResourceDef): object {
  const responseKind = { group: def.group, version: def.version, kind: def.kind };
  return {
    resource: def.plural,
    responseKind,
    scope: def.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: def.singular,
    verbs: VERBS,
    ...(def.shortNames.length > 0 ? { shortNames: def.shortNames } : {}),
    ...(def.categories.length > 0 ? { categories: def.categories } : {}),
    ...(def.statusSubresource ? { subresources: [{ subresource: 'status', responseKind, verbs: STATUS_VERBS }] } : {}),
  };
}

function discoveredReview(k: ReviewKind): object {
  return {
    resource: k.plural,
    responseKind: { group: k.group, version: k.version, kind: k.kind },
    scope: 'Cluster',
    singularResource: k.kind.toLowerCase(),
    verbs: ['create'],
  };
}

/** `/api` (core: true) or `/apis` as one APIGroupDiscoveryList. */
export function aggregatedDiscovery(core: boolean, version: 'v2' | 'v2beta1'): object {
  const groups = core ? [{ name: '', versions: ['v1'] }] : servedGroups();
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => ({
      metadata: { name: g.name, creationTimestamp: null },
      versions: g.versions.map((v) => ({
        version: v,
        resources: [
          ...RESOURCES.filter((r) => r.group === g.name && r.version === v).map(discoveredResource),
          ...reviewsOf(g.name, v).map(discoveredReview),
        ],
        freshness: 'Current',
      })),
    })),
  };
}
