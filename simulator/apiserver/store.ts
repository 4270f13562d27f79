// An in-memory object store with the semantics of kube-apiserver over etcd: one resourceVersion
// sequence for every write, uid and creationTimestamp set on create, generation bumped by spec
// changes only, status written only through the status subresource, optimistic concurrency,
// finalizers and deletionTimestamp, owner-reference garbage collection, and per-resource watch
// history with a bounded window (older resourceVersions get 410 Expired, as from the watch cache).
//
// The simulation reads and writes it directly; the HTTP server is a thin layer over it. Every
// method is synchronous. Objects handed out are deeply frozen (a write needs a copy, e.g.
// `structuredClone(obj)`), which lets lists and watchers share them and their JSON encodings.
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject, ObjectMeta } from '../../src/api/types.ts';
import {
  alreadyExists,
  ApiError,
  badRequest,
  conflict,
  expired,
  forbidden,
  invalid,
  notFound,
  tooLargeResourceVersion,
  unsupportedMediaType,
} from './errors.ts';
import { isDns1123Label, isDns1123Subdomain } from '../../src/api/dns1123.ts';
import { rfc3339 } from '../../src/rfc3339.ts';
import { mergePatch } from '../merge-patch.ts';
import { applyJsonPatch, PATCH_CONTENT_TYPES, patchResultNotAnObject } from './patch.ts';
import { type AdmissionOptions, admit } from './admission.ts';
import { bundledCrds, type CustomResourceDefinition } from '../../src/schema/index.ts';
import type { PatchType } from './patch.ts';
import type { ResourceDef } from './resources.ts';
import { apiVersionOf, findResource, RESOURCES, resourceNamed, structuralSchema } from './resources.ts';
import type { LabelRequirement, Selector } from './selectors.ts';
import { combine, labelMatcher, matchEverything, parseFieldSelector, parseLabelSelector } from './selectors.ts';
import { deepFreeze } from './wire.ts';
import { applyConfiguration, type FieldOwner, type ManagedResource, managedFieldsAfter } from './field-manager.ts';
import type { FieldSet } from './field-set.ts';
import { applySchema } from './typed-value.ts';
import { bootstrapRbac } from './rbac-bootstrap.ts';
import { aggregateClusterRoles } from './rbac-aggregation.ts';

export type ResourceRef = string | ResourceDef;

export type StoreEventType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** A committed change. `object` is the new state (for DELETED: the final state, at the deletion's resourceVersion). */
export interface StoreEvent {
  type: StoreEventType;
  resource: ResourceDef;
  object: KubeObject;
  /** The state before this change; null for ADDED. */
  previous: KubeObject | null;
  resourceVersion: number;
}

/** What one watcher receives: the change as its selector sees it (leaving the selection is a DELETED). */
export interface WatchEvent {
  type: StoreEventType;
  object: KubeObject;
  resourceVersion: number;
}

export interface StoreOptions {
  /** The clock for creationTimestamp and deletionTimestamp; the simulation passes its virtual clock. */
  now?: () => Date;
  /** Watch events kept per resource; a watch from an older resourceVersion gets 410 Expired. */
  historyLimit?: number;
  /** Create a missing namespace on first use instead of answering 404, as a convenience for fixtures. */
  autoCreateNamespaces?: boolean;
  /** Namespaces present from the start. */
  namespaces?: string[];
  /** Where an exception thrown by a watch listener goes; by default it is rethrown asynchronously. */
  onListenerError?: (err: unknown) => void;
  /** The field manager of writes that name none (the rehearsal's own); `kubectl-promotion-simulate` by default. */
  fieldManager?: string;
}

export interface WriteOptions extends AdmissionOptions {
  /** For namespaced resources when the object does not say it (or to check that it agrees). */
  namespace?: string;
  /** Validate and compute the result without storing it (`dryRun=All`). */
  dryRun?: boolean;
  /** Who writes, as recorded in managedFields (the store's default manager when not given). */
  fieldManager?: string;
  /** Set by an apply: the fields its configuration sets (field-manager.ts). */
  applied?: FieldSet;
  /** An apply that takes the fields it conflicts on (`force=true`). */
  force?: boolean;
  /**
   * Who writes may still be refused the object as it would be written (RBAC's escalation check,
   * rbac-escalation.ts): called before it is admitted, with the stored object on an update.
   */
  guard?: (next: KubeObject, previous: KubeObject | undefined) => void;
}

export interface UpdateOptions extends WriteOptions {
  /** 'status' writes only the status; without it, the status of a resource with a status subresource is kept. */
  subresource?: 'status';
}

/** Server-side apply (`type: 'apply'`) creates the object when it does not exist. */
export type PatchOptions = UpdateOptions;

export interface DeleteOptions {
  namespace?: string;
  preconditions?: { uid?: string; resourceVersion?: string };
  /** Background (the default) and Foreground delete dependents; Orphan leaves them, without the owner reference. */
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  dryRun?: boolean;
}

export interface ListOptions {
  namespace?: string;
  /** The `labelSelector` syntax, or requirements already parsed. */
  labelSelector?: string | LabelRequirement[];
  fieldSelector?: string;
  limit?: number;
  continue?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'NotOlderThan' | 'Exact';
}

export interface ListResult<T extends KubeObject = KubeObject> {
  items: T[];
  resourceVersion: string;
  continue?: string;
  remainingItemCount?: number;
}

export interface WatchOptions {
  namespace?: string;
  labelSelector?: string | LabelRequirement[];
  fieldSelector?: string;
  /**
   * Unset, '' or '0': an ADDED event for every current object first, then changes.
   * A resourceVersion: every change after it (410 Expired when the history no longer reaches it).
   */
  resourceVersion?: string;
}

export interface WatchHandle {
  stop(): void;
  /** The resourceVersion the watcher is up to date with when `watch` returns. */
  readonly startResourceVersion: number;
}

export type WatchListener = (event: WatchEvent) => void;

interface Watcher {
  namespace: string | undefined;
  selector: Selector;
  listener: WatchListener;
  /** The watched resource's form of a stored object (another version's view, or itself). */
  view: (obj: KubeObject) => KubeObject;
  /** Events at or below this resourceVersion were already delivered (initial state or replay). */
  seenUpTo: number;
  stopped: boolean;
}

interface ResourceState {
  def: ResourceDef;
  objects: Map<string, KubeObject>;
  sortedKeys: string[] | null;
  history: StoreEvent[];
  /** Index of the oldest retained event in `history`. */
  head: number;
  /** Every event at or below this resourceVersion may be gone from the history. */
  compactedThrough: number;
  watchers: Set<Watcher>;
}

interface ContinueToken {
  v: string;
  rv: number;
  start: string;
}

const SUBDOMAIN_MESSAGE =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must " +
  "start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const LABEL_MESSAGE =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and " +
  "end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is " +
  "'[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const NAMESPACES = RESOURCES.find((r) => r.group === '' && r.plural === 'namespaces')!;
export const DEFAULT_FIELD_MANAGER = 'kubectl-promotion-simulate';
const SYSTEM_META_FIELDS = [
  'uid',
  'creationTimestamp',
  'generation',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
] as const;

function keyOf(namespace: string | undefined, name: string): string {
  return namespace === undefined ? name : `${namespace}/${name}`;
}

function asRecord(v: unknown): Record<string, unknown> {
  return v as Record<string, unknown>;
}

/** Everything that is not metadata or status: what generation tracks. */
function specPart(obj: KubeObject): Record<string, unknown> {
  const { metadata: _m, status: _s, ...rest } = obj;
  return rest;
}

function withoutResourceVersion(obj: KubeObject): KubeObject {
  const { resourceVersion: _rv, ...metadata } = obj.metadata;
  return { ...obj, metadata: metadata as ObjectMeta };
}

function encodeContinue(token: ContinueToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64');
}

function decodeContinue(value: string): ContinueToken {
  try {
    const token = JSON.parse(Buffer.from(value, 'base64').toString('utf8')) as Partial<ContinueToken>;
    if (token.v === 'meta.k8s.io/v1' && typeof token.rv === 'number' && typeof token.start === 'string') {
      return token as ContinueToken;
    }
  } catch {
    // falls through to the 400 below
  }
  throw badRequest('continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)');
}

function parseResourceVersion(value: string): number {
  if (!/^\d+$/.test(value)) throw badRequest(`invalid resource version: ${JSON.stringify(value)}`);
  return Number(value);
}

export class ObjectStore {
  readonly now: () => Date;
  private readonly historyLimit: number;
  private readonly autoCreateNamespaces: boolean;
  private readonly onListenerError: (err: unknown) => void;
  private readonly fieldManager: string;
  private readonly managedResources = new Map<ResourceDef, ManagedResource>();
  private readonly states = new Map<ResourceDef, ResourceState>();
  private readonly byName = new Map<string, ResourceDef>();
  /** Stored object -> its form in a resource served from another's storage, made once per object. */
  private readonly views = new Map<ResourceDef, WeakMap<KubeObject, KubeObject>>();
  /** uid -> where the object lives, for owner references. */
  private readonly uids = new Map<string, { def: ResourceDef; key: string }>();
  /** owner uid -> dependents' "plural|key". */
  private readonly dependents = new Map<string, Set<string>>();
  private readonly changeListeners = new Set<(event: StoreEvent) => void>();
  /** Objects per namespace, so that a terminating namespace knows when it is empty. */
  private readonly namespaceContent = new Map<string, number>();
  private rv = 0;
  private readonly queue: StoreEvent[] = [];
  private dispatching = false;

  constructor(options: StoreOptions = {}) {
    this.now = options.now ?? (() => new Date());
    this.historyLimit = options.historyLimit ?? 5000;
    this.autoCreateNamespaces = options.autoCreateNamespaces ?? false;
    this.fieldManager = options.fieldManager ?? DEFAULT_FIELD_MANAGER;
    this.onListenerError =
      options.onListenerError ??
      ((err) =>
        queueMicrotask(() => {
          throw err;
        }));
    for (const def of RESOURCES) {
      if (def.storage !== undefined) continue;
      this.states.set(def, {
        def,
        objects: new Map(),
        sortedKeys: null,
        history: [],
        head: 0,
        compactedThrough: 0,
        watchers: new Set(),
      });
    }
    for (const ns of options.namespaces ?? ['default', 'kube-system', 'kube-public']) {
      this.create('namespaces', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } });
    }
    for (const crd of bundledCrds()) this.installCrd(crd);
    aggregateClusterRoles(this);
    for (const obj of bootstrapRbac()) {
      this.create(obj.kind === 'ClusterRole' ? 'clusterroles' : 'clusterrolebindings', obj, {
        fieldManager: 'kube-apiserver',
      });
    }
  }

  /** A CRD as the API server holds it once established: its names accepted, its version stored. */
  private installCrd(crd: CustomResourceDefinition): void {
    const created = this.create('customresourcedefinitions', structuredClone(crd) as unknown as KubeObject);
    const at = created.metadata.creationTimestamp;
    const condition = (type: string, reason: string, message: string) => ({
      type,
      status: 'True',
      lastTransitionTime: at,
      reason,
      message,
    });
    const status = {
      acceptedNames: crd.spec.names,
      conditions: [
        condition('NamesAccepted', 'NoConflicts', 'no conflicts found'),
        condition('Established', 'InitialNamesAccepted', 'the initial names have been accepted'),
      ],
      storedVersions: crd.spec.versions.filter((v) => v.storage).map((v) => v.name),
    };
    this.patch('customresourcedefinitions', crd.metadata.name, 'merge', { status }, { subresource: 'status' });
  }

  /** The resourceVersion of the latest write. */
  get resourceVersion(): number {
    return this.rv;
  }

  resource(ref: ResourceRef): ResourceDef {
    if (typeof ref !== 'string') return ref;
    let def = this.byName.get(ref);
    if (def === undefined) {
      def = resourceNamed(ref);
      this.byName.set(ref, def);
    }
    return def;
  }

  // ---- reads ----------------------------------------------------------------------------------

  /** The object, or undefined. */
  find<T extends KubeObject = KubeObject>(ref: ResourceRef, name: string, namespace?: string): T | undefined {
    const def = this.resource(ref);
    const obj = this.state(def).objects.get(keyOf(def.namespaced ? namespace : undefined, name));
    return (obj === undefined ? undefined : this.out(def, obj)) as T | undefined;
  }

  /** The object, or a 404 ApiError. */
  get<T extends KubeObject = KubeObject>(ref: ResourceRef, name: string, namespace?: string): T {
    const def = this.resource(ref);
    const obj = this.find<T>(def, name, namespace);
    if (obj === undefined) throw notFound(def, name);
    return obj;
  }

  /** Every object of a resource (optionally one namespace), in key order; no copy, no paging. */
  all<T extends KubeObject = KubeObject>(ref: ResourceRef, namespace?: string): T[] {
    const def = this.resource(ref);
    const state = this.state(def);
    const out: T[] = [];
    for (const key of this.sortedKeys(state)) {
      const obj = this.out(def, state.objects.get(key)!);
      if (namespace === undefined || obj.metadata.namespace === namespace) out.push(obj as T);
    }
    return out;
  }

  list<T extends KubeObject = KubeObject>(ref: ResourceRef, options: ListOptions = {}): ListResult<T> {
    const def = this.resource(ref);
    const state = this.state(def);
    const selector = this.selector(def, options.labelSelector, options.fieldSelector);
    const namespace = def.namespaced ? options.namespace : undefined;
    let snapshotRv = this.rv;
    let start = '';
    if (options.continue !== undefined && options.continue !== '') {
      const token = decodeContinue(options.continue);
      if (token.rv < state.compactedThrough) {
        throw expired(
          'The provided continue parameter is too old to display a consistent list result. You can start ' +
            'a new list without the continue parameter.',
        );
      }
      snapshotRv = token.rv;
      start = token.start;
    } else if (
      options.resourceVersion !== undefined &&
      options.resourceVersion !== '' &&
      options.resourceVersion !== '0'
    ) {
      const requested = parseResourceVersion(options.resourceVersion);
      if (requested > this.rv) throw tooLargeResourceVersion(requested, this.rv);
      if (options.resourceVersionMatch === 'Exact') {
        if (requested < state.compactedThrough)
          throw expired(`too old resource version: ${requested} (${state.compactedThrough})`);
        snapshotRv = requested;
      }
    }
    const view = this.snapshot(state, snapshotRv);
    const limit = options.limit !== undefined && options.limit > 0 ? options.limit : Infinity;
    const items: T[] = [];
    let i = start === '' ? 0 : lowerBound(view.keys, start);
    for (; i < view.keys.length && items.length < limit; i++) {
      const obj = this.outMaybe(def, view.get(view.keys[i]!));
      if (obj === undefined || (namespace !== undefined && obj.metadata.namespace !== namespace)) continue;
      if (selector(obj)) items.push(obj as T);
    }
    const result: ListResult<T> = { items, resourceVersion: String(snapshotRv) };
    if (items.length === limit) {
      let remaining = 0;
      for (let j = i; j < view.keys.length; j++) {
        const obj = this.outMaybe(def, view.get(view.keys[j]!));
        if (obj === undefined || (namespace !== undefined && obj.metadata.namespace !== namespace)) continue;
        if (selector(obj)) remaining++;
      }
      if (remaining > 0) {
        const last = items[items.length - 1]!;
        result.continue = encodeContinue({
          v: 'meta.k8s.io/v1',
          rv: snapshotRv,
          start: `${keyOf(def.namespaced ? last.metadata.namespace : undefined, last.metadata.name)}\u0000`,
        });
        // A real server only knows the count when it does not have to filter.
        if (selector === matchEverything) result.remainingItemCount = remaining;
      }
    }
    return result;
  }

  // ---- writes ---------------------------------------------------------------------------------

  create<T extends KubeObject = KubeObject>(ref: ResourceRef, input: KubeObject, options: WriteOptions = {}): T {
    const def = this.resource(ref);
    if (def.storage !== undefined) {
      const stored = def.storage.toStorage(this.prepareInput(def, input));
      return this.out(def, this.create(this.storageOf(def), stored, options)) as T;
    }
    const obj = this.prepareInput(def, input);
    const meta = obj.metadata;
    if (meta.resourceVersion !== undefined && meta.resourceVersion !== '') {
      throw badRequest('resourceVersion should not be set on objects to be created');
    }
    if (
      (meta.name === undefined || meta.name === '') &&
      typeof meta.generateName === 'string' &&
      meta.generateName !== ''
    ) {
      meta.name = `${meta.generateName}${randomUUID().replace(/-/g, '').slice(0, 5)}`;
    }
    this.placeInNamespace(def, obj, options.namespace);
    options.guard?.(obj, undefined);
    this.checkName(def, meta.name);
    const state = this.state(def);
    const key = keyOf(meta.namespace, meta.name);
    if (def.namespaced) this.checkNamespaceAcceptsContent(def, meta.namespace!, meta.name, options.dryRun === true);
    if (state.objects.has(key)) throw alreadyExists(def, meta.name);
    for (const f of SYSTEM_META_FIELDS) delete meta[f];
    delete meta.managedFields;
    meta.uid = randomUUID();
    meta.creationTimestamp = rfc3339(this.now());
    if (def.tracksGeneration) meta.generation = 1;
    if (def.custom && def.statusSubresource) delete obj.status;
    if (def === NAMESPACES) {
      obj.spec = { finalizers: ['kubernetes'] };
      obj.status = { phase: 'Active' };
    }
    admit(def, obj, options);
    this.recordManagers(def, undefined, obj, options);
    if (options.dryRun) return deepFreeze(obj) as T;
    return this.commit(state, key, obj, null) as T;
  }

  /**
   * PUT semantics: the object replaces the stored one; `metadata.resourceVersion` must match
   * (409 Conflict otherwise). System metadata is kept; so is status unless `subresource: 'status'`,
   * which conversely writes nothing but the status.
   */
  update<T extends KubeObject = KubeObject>(ref: ResourceRef, input: KubeObject, options: UpdateOptions = {}): T {
    const def = this.resource(ref);
    if (def.storage !== undefined) {
      const stored = def.storage.toStorage(this.prepareInput(def, input));
      return this.out(def, this.update(this.storageOf(def), stored, options)) as T;
    }
    const obj = this.prepareInput(def, input);
    this.placeInNamespace(def, obj, options.namespace);
    const rv = obj.metadata.resourceVersion;
    if ((rv === undefined || rv === '') && def.custom) {
      throw invalid(def, obj.metadata.name, [
        { type: 'Invalid', field: 'metadata.resourceVersion', value: 0, detail: 'must be specified for an update' },
      ]);
    }
    return this.replace(def, obj, options) as T;
  }

  /** Writes only the status (the `/status` subresource). */
  updateStatus<T extends KubeObject = KubeObject>(ref: ResourceRef, input: KubeObject, options: WriteOptions = {}): T {
    return this.update<T>(ref, input, { ...options, subresource: 'status' });
  }

  /**
   * Applies a patch to the stored object, then the update rules. A patch that sets
   * `metadata.resourceVersion` is conditional on it, as with kubectl edit.
   */
  patch<T extends KubeObject = KubeObject>(
    ref: ResourceRef,
    name: string,
    type: PatchType,
    patch: unknown,
    options: PatchOptions = {},
  ): T {
    const def = this.resource(ref);
    if (type === 'strategic' && def.custom) {
      throw unsupportedMediaType([PATCH_CONTENT_TYPES.json, PATCH_CONTENT_TYPES.merge, PATCH_CONTENT_TYPES.apply]);
    }
    const namespace = def.namespaced ? options.namespace : undefined;
    if (type === 'apply') return this.apply<T>(def, name, namespace, patch, options);
    const existing = this.find(def, name, namespace);
    if (existing === undefined) throw notFound(def, name);
    const base = structuredClone(existing) as unknown as Record<string, unknown>;
    let patched: unknown;
    switch (type) {
      case 'json':
        patched = applyJsonPatch(base, patch);
        break;
      case 'merge':
      // A core object's strategic merge is modelled as a merge patch: the core resources served
      // here have no lists that strategic merge would merge by key.
      case 'strategic':
        patched = mergePatch(base, patch);
        break;
    }
    if (patched === null || typeof patched !== 'object' || Array.isArray(patched)) {
      throw patchResultNotAnObject(patched);
    }
    const obj = this.prepareInput(def, patched as KubeObject);
    if (obj.metadata.name !== name) throw this.nameMismatch(obj.metadata.name, name);
    if (obj.metadata.resourceVersion === undefined || obj.metadata.resourceVersion === '') {
      obj.metadata.resourceVersion = existing.metadata.resourceVersion;
    }
    this.placeInNamespace(def, obj, namespace);
    if (def.storage !== undefined) {
      return this.out(def, this.replace(this.storageOf(def), def.storage.toStorage(obj), options)) as T;
    }
    return this.replace(def, obj, options) as T;
  }

  /**
   * Server-side apply: the configuration merged into the stored object (created when absent, unless
   * through `/status`) as field-manager.ts says, then the update rules. The configuration must name
   * the resource's apiVersion and kind and the object's name.
   */
  private apply<T extends KubeObject>(
    def: ResourceDef,
    name: string,
    namespace: string | undefined,
    patch: unknown,
    options: PatchOptions,
  ): T {
    if (patch === null || typeof patch !== 'object' || Array.isArray(patch)) {
      throw badRequest(`error decoding YAML: the configuration must be a ${def.kind} object`);
    }
    const config = structuredClone(patch) as KubeObject;
    const apiVersion = apiVersionOf(def);
    if (config.apiVersion !== apiVersion) {
      throw badRequest(
        `Incorrect version specified in apply patch. Specified patch version: ${config.apiVersion ?? ''}, ` +
          `expected: ${apiVersion}`,
      );
    }
    if (config.kind === undefined || config.kind === '') {
      throw badRequest(`Object 'Kind' is missing in '${JSON.stringify(patch)}'`);
    }
    if (config.metadata === null || typeof config.metadata !== 'object') config.metadata = { name: '' };
    if ((config.metadata as { managedFields?: unknown }).managedFields != null) {
      throw badRequest('metadata.managedFields must be nil');
    }
    const existing = this.find(def, name, namespace);
    if (existing === undefined && options.subresource !== undefined) throw notFound(def, name);
    const live: KubeObject = existing ?? {
      apiVersion,
      kind: def.kind,
      metadata: { name, ...(namespace === undefined ? {} : { namespace }) },
    };
    const owner: FieldOwner = {
      manager: options.fieldManager ?? this.fieldManager,
      operation: 'Apply',
      ...(options.subresource ? { subresource: options.subresource } : {}),
      force: options.force === true,
    };
    const merged = applyConfiguration(this.managedResource(def), live, config, owner);
    const obj = this.prepareInput(def, merged);
    if (obj.metadata.name !== name) throw this.nameMismatch(obj.metadata.name ?? '', name);
    const withApplied = { ...options, applied: owner.applied };
    if (existing === undefined) return this.create<T>(def, obj, withApplied);
    if (obj.metadata.resourceVersion === undefined || obj.metadata.resourceVersion === '') {
      obj.metadata.resourceVersion = existing.metadata.resourceVersion;
    }
    this.placeInNamespace(def, obj, namespace);
    if (def.storage !== undefined) {
      return this.out(def, this.replace(this.storageOf(def), def.storage.toStorage(obj), withApplied)) as T;
    }
    return this.replace(def, obj, withApplied) as T;
  }

  /**
   * Deletes an object. With finalizers it is only marked (deletionTimestamp) and goes when an
   * update removes the last one. Returns the object as it now is (marked, or as last stored).
   */
  delete<T extends KubeObject = KubeObject>(ref: ResourceRef, name: string, options: DeleteOptions = {}): T {
    const def = this.resource(ref);
    if (def.storage !== undefined) return this.out(def, this.delete(this.storageOf(def), name, options)) as T;
    const state = this.state(def);
    const namespace = def.namespaced ? options.namespace : undefined;
    const key = keyOf(namespace, name);
    const existing = state.objects.get(key);
    if (existing === undefined) throw notFound(def, name);
    const pre = options.preconditions;
    if (pre?.uid !== undefined && pre.uid !== existing.metadata.uid) {
      throw conflict(
        def,
        name,
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${existing.metadata.uid}`,
      );
    }
    if (pre?.resourceVersion !== undefined && pre.resourceVersion !== existing.metadata.resourceVersion) {
      throw conflict(
        def,
        name,
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in ` +
          `object meta: ${existing.metadata.resourceVersion}`,
      );
    }
    if (options.dryRun) return existing as T;
    if (options.propagationPolicy === 'Orphan') this.orphanDependents(existing);
    if (def === NAMESPACES) return this.deleteNamespace(existing) as T;
    if ((existing.metadata.finalizers ?? []).length > 0) {
      if (existing.metadata.deletionTimestamp !== undefined) return existing as T;
      const marked = structuredClone(existing) as KubeObject;
      marked.metadata.deletionTimestamp = rfc3339(this.now());
      marked.metadata.deletionGracePeriodSeconds = 0;
      return this.commit(state, key, marked, existing) as T;
    }
    return this.remove(state, key, existing) as T;
  }

  // ---- watch ----------------------------------------------------------------------------------

  /**
   * Subscribes to changes of one resource. Events are delivered synchronously, in commit order,
   * once the write that caused them (and any write in progress) has been stored. Throws 410
   * Expired when `resourceVersion` is older than the retained history.
   */
  watch(ref: ResourceRef, options: WatchOptions, listener: WatchListener): WatchHandle {
    const def = this.resource(ref);
    const state = this.state(def);
    const watcher: Watcher = {
      namespace: def.namespaced ? options.namespace : undefined,
      selector: this.selector(def, options.labelSelector, options.fieldSelector),
      listener,
      view: (obj) => this.out(def, obj),
      seenUpTo: this.rv,
      stopped: false,
    };
    const from = options.resourceVersion;
    const backlog: WatchEvent[] = [];
    if (from === undefined || from === '' || from === '0') {
      for (const key of this.sortedKeys(state)) {
        const obj = this.out(def, state.objects.get(key)!);
        if (this.inScope(watcher, obj) && watcher.selector(obj)) {
          backlog.push({ type: 'ADDED', object: obj, resourceVersion: Number(obj.metadata.resourceVersion) });
        }
      }
    } else {
      const requested = parseResourceVersion(from);
      if (requested > this.rv) throw tooLargeResourceVersion(requested, this.rv);
      if (requested < state.compactedThrough) {
        throw expired(`too old resource version: ${requested} (${state.compactedThrough})`);
      }
      for (let i = firstAfter(state, requested); i < state.history.length; i++) {
        const seen = this.viewOf(watcher, state.history[i]!);
        if (seen !== null) backlog.push(seen);
      }
    }
    state.watchers.add(watcher);
    for (const event of backlog) {
      if (watcher.stopped) break;
      this.deliver(watcher, event);
    }
    return {
      startResourceVersion: watcher.seenUpTo,
      stop: () => {
        watcher.stopped = true;
        state.watchers.delete(watcher);
      },
    };
  }

  /** Every committed change of every resource, unfiltered (for the simulation's own bookkeeping). */
  onChange(listener: (event: StoreEvent) => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /**
   * Forgets the watch history, as a restarted API server does: a watch or continue token from
   * before now gets 410 Expired. Objects and the resourceVersion sequence are kept.
   */
  compactHistory(): void {
    for (const state of this.states.values()) {
      state.history = [];
      state.head = 0;
      state.compactedThrough = this.rv;
    }
  }

  /** The oldest resourceVersion a watch of this resource can still resume from. */
  oldestResumableVersion(ref: ResourceRef): number {
    return this.state(this.resource(ref)).compactedThrough;
  }

  // ---- internals ------------------------------------------------------------------------------

  /** The resource whose storage holds `def`'s objects: itself, or the one it is a view of. */
  private storageOf(def: ResourceDef): ResourceDef {
    const s = def.storage;
    if (s === undefined) return def;
    const storage = findResource(s.group, s.version, s.plural);
    if (storage === undefined) throw new Error(`resource ${def.plural}.${def.group} has no storage ${s.plural}`);
    return storage;
  }

  /** A stored object as `def` serves it; the same frozen object each time for the same stored one. */
  private out(def: ResourceDef, stored: KubeObject): KubeObject {
    if (def.storage === undefined) return stored;
    let cache = this.views.get(def);
    if (cache === undefined) this.views.set(def, (cache = new WeakMap()));
    let view = cache.get(stored);
    if (view === undefined) cache.set(stored, (view = deepFreeze(def.storage.fromStorage(stored))));
    return view;
  }

  private outMaybe(def: ResourceDef, stored: KubeObject | undefined): KubeObject | undefined {
    return stored === undefined ? undefined : this.out(def, stored);
  }

  private state(def: ResourceDef): ResourceState {
    const state = this.states.get(this.storageOf(def));
    if (state === undefined) throw new Error(`resource ${def.plural} is not served by this store`);
    return state;
  }

  private selector(
    def: ResourceDef,
    labels: string | LabelRequirement[] | undefined,
    fields: string | undefined,
  ): Selector {
    const byLabel = labelMatcher(typeof labels === 'string' ? parseLabelSelector(labels) : (labels ?? []));
    return combine(byLabel, fields === undefined ? matchEverything : parseFieldSelector(def, fields));
  }

  private sortedKeys(state: ResourceState): string[] {
    if (state.sortedKeys === null) state.sortedKeys = [...state.objects.keys()].sort(compareKeys);
    return state.sortedKeys;
  }

  /** The objects as they were at `rv`, rebuilt from the history of what changed since. */
  private snapshot(state: ResourceState, rv: number): { keys: string[]; get(key: string): KubeObject | undefined } {
    const current = this.sortedKeys(state);
    if (rv >= this.rv) return { keys: current, get: (key) => state.objects.get(key) };
    const past = new Map<string, KubeObject | null>();
    for (let i = state.history.length - 1; i >= state.head; i--) {
      const event = state.history[i]!;
      if (event.resourceVersion <= rv) break;
      past.set(this.keyOfObject(state.def, event.object), event.previous);
    }
    if (past.size === 0) return { keys: current, get: (key) => state.objects.get(key) };
    const keys = [...new Set([...current, ...past.keys()])].sort(compareKeys);
    return { keys, get: (key) => (past.has(key) ? (past.get(key) ?? undefined) : state.objects.get(key)) };
  }

  private keyOfObject(def: ResourceDef, obj: KubeObject): string {
    return keyOf(def.namespaced ? obj.metadata.namespace : undefined, obj.metadata.name);
  }

  private managedResource(def: ResourceDef): ManagedResource {
    let r = this.managedResources.get(def);
    if (r === undefined) {
      r = {
        schema: applySchema(structuralSchema(def)),
        apiVersion: apiVersionOf(def),
        statusSubresource: def.statusSubresource,
      };
      this.managedResources.set(def, r);
    }
    return r;
  }

  /** Sets `next`'s managedFields for this write over `live` (undefined: a create); may refuse an apply. */
  private recordManagers(
    def: ResourceDef,
    live: KubeObject | undefined,
    next: KubeObject,
    options: UpdateOptions,
  ): void {
    const owner: FieldOwner = {
      manager: options.fieldManager ?? this.fieldManager,
      operation: options.applied === undefined ? 'Update' : 'Apply',
      ...(options.subresource ? { subresource: options.subresource } : {}),
      ...(options.applied === undefined ? {} : { applied: options.applied, force: options.force === true }),
    };
    const entries = managedFieldsAfter(this.managedResource(def), live, next, owner, rfc3339(this.now()));
    const meta = next.metadata as ObjectMeta & { managedFields?: unknown };
    if (entries.length > 0) meta.managedFields = entries;
    else delete meta.managedFields;
  }

  /** A deep, unfrozen copy with apiVersion and kind checked (or filled in) and metadata present. */
  private prepareInput(def: ResourceDef, input: KubeObject): KubeObject {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw badRequest(`the body of the request must be a ${def.kind} object`);
    }
    const obj = structuredClone(input) as KubeObject;
    const apiVersion = apiVersionOf(def);
    if (obj.apiVersion === undefined || obj.apiVersion === '') obj.apiVersion = apiVersion;
    if (obj.kind === undefined || obj.kind === '') obj.kind = def.kind;
    if (obj.apiVersion !== apiVersion) {
      throw badRequest(
        `the API version in the data (${obj.apiVersion}) does not match the expected API version (${apiVersion})`,
      );
    }
    if (obj.kind !== def.kind)
      throw badRequest(`the kind in the data (${obj.kind}) does not match the expected kind (${def.kind})`);
    if (obj.metadata === null || typeof obj.metadata !== 'object') obj.metadata = { name: '' };
    return obj;
  }

  private placeInNamespace(def: ResourceDef, obj: KubeObject, requested: string | undefined): void {
    const meta = obj.metadata;
    if (!def.namespaced) {
      delete meta.namespace;
      return;
    }
    if (requested !== undefined && requested !== '') {
      if (meta.namespace !== undefined && meta.namespace !== '' && meta.namespace !== requested) {
        throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
      }
      meta.namespace = requested;
    }
    if (meta.namespace === undefined || meta.namespace === '') {
      throw invalid(def, meta.name ?? '', [{ type: 'Required', field: 'metadata.namespace' }]);
    }
  }

  private checkName(def: ResourceDef, name: string | undefined): void {
    if (name === undefined || name === '') {
      throw invalid(def, '', [
        { type: 'Required', field: 'metadata.name', detail: 'name or generateName is required' },
      ]);
    }
    if (def.nameProblems !== undefined) {
      const problems = def.nameProblems(name);
      if (problems.length > 0) {
        throw invalid(
          def,
          name,
          problems.map((detail) => ({ type: 'Invalid', field: 'metadata.name', value: name, detail })),
        );
      }
      return;
    }
    const label = def === NAMESPACES;
    const ok = label ? isDns1123Label(name) : isDns1123Subdomain(name);
    if (!ok) {
      throw invalid(def, name, [
        { type: 'Invalid', field: 'metadata.name', value: name, detail: label ? LABEL_MESSAGE : SUBDOMAIN_MESSAGE },
      ]);
    }
  }

  private nameMismatch(inBody: string, inUrl: string): ApiError {
    return badRequest(`the name of the object (${inBody}) does not match the name on the URL (${inUrl})`);
  }

  private checkNamespaceAcceptsContent(def: ResourceDef, namespace: string, name: string, dryRun: boolean): void {
    const ns = this.find(NAMESPACES, namespace);
    if (ns === undefined) {
      if (!this.autoCreateNamespaces) throw notFound(NAMESPACES, namespace);
      if (!dryRun) this.create(NAMESPACES, { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace } });
      return;
    }
    if (ns.metadata.deletionTimestamp !== undefined) {
      const message = `unable to create new content in namespace ${namespace} because it is being terminated`;
      throw forbidden(
        `${def.group === '' ? def.plural : `${def.plural}.${def.group}`} "${name}" is forbidden: ${message}`,
        {
          name,
          group: def.group,
          kind: def.plural,
          causes: [{ reason: 'NamespaceTerminating', message, field: 'metadata.namespace' }],
        },
      );
    }
  }

  /** The shared tail of update and patch: preconditions, subresource rules, generation, finalizers. */
  private replace(def: ResourceDef, obj: KubeObject, options: UpdateOptions): KubeObject {
    const state = this.state(def);
    const name = obj.metadata.name;
    if (name === undefined || name === '') {
      throw invalid(def, '', [
        { type: 'Required', field: 'metadata.name', detail: 'name or generateName is required' },
      ]);
    }
    const key = keyOf(obj.metadata.namespace, name);
    const existing = state.objects.get(key);
    if (existing === undefined) throw notFound(def, name);
    const rv = obj.metadata.resourceVersion;
    if (rv !== undefined && rv !== '' && rv !== existing.metadata.resourceVersion) throw conflict(def, name);
    if (obj.metadata.uid !== undefined && obj.metadata.uid !== '' && obj.metadata.uid !== existing.metadata.uid) {
      throw conflict(
        def,
        name,
        `Precondition failed: UID in precondition: ${obj.metadata.uid}, UID in object meta: ${existing.metadata.uid}`,
      );
    }
    let next: KubeObject;
    if (options.subresource === 'status') {
      if (!def.statusSubresource) throw notFound(def, name);
      next = structuredClone(existing) as KubeObject;
      if (obj.status === undefined) delete next.status;
      else next.status = obj.status;
      admit(def, next, options, existing);
    } else {
      next = obj;
      const meta = next.metadata;
      for (const f of SYSTEM_META_FIELDS) {
        if (existing.metadata[f] === undefined) delete meta[f];
        else (meta as Record<string, unknown>)[f] = existing.metadata[f];
      }
      delete meta.managedFields;
      if (def.statusSubresource) {
        if (existing.status === undefined) delete next.status;
        else next.status = structuredClone(existing.status);
      }
      if (existing.metadata.deletionTimestamp !== undefined) {
        const before = new Set(existing.metadata.finalizers ?? []);
        const added = (meta.finalizers ?? []).filter((f) => !before.has(f));
        if (added.length > 0) {
          throw invalid(def, name, [
            {
              type: 'Forbidden',
              field: 'metadata.finalizers',
              detail:
                `no new finalizers can be added if the object is being deleted, found new finalizers ` +
                `${JSON.stringify(added)}`,
            },
          ]);
        }
      }
      options.guard?.(next, existing);
      // Pruned and defaulted before comparing: an apply without the defaults changes nothing.
      admit(def, next, options, existing);
      if (def.tracksGeneration && !isDeepStrictEqual(specPart(next), specPart(existing))) {
        meta.generation = (existing.metadata.generation ?? 0) + 1;
      }
    }
    next.metadata.resourceVersion = existing.metadata.resourceVersion;
    this.recordManagers(def, existing, next, options);
    if (isDeepStrictEqual(withoutResourceVersion(next), withoutResourceVersion(existing))) return existing;
    if (options.dryRun) return deepFreeze(next);
    if (next.metadata.deletionTimestamp !== undefined && (next.metadata.finalizers ?? []).length === 0) {
      return this.remove(state, key, existing, next);
    }
    return this.commit(state, key, next, existing);
  }

  /** Stores a new state (or removes with `next` null) under a fresh resourceVersion and announces it. */
  private commit(state: ResourceState, key: string, next: KubeObject, previous: KubeObject | null): KubeObject {
    this.rv += 1;
    next.metadata.resourceVersion = String(this.rv);
    deepFreeze(next);
    if (!state.objects.has(key)) {
      state.sortedKeys = null;
      this.countInNamespace(state.def, next, 1);
    }
    state.objects.set(key, next);
    if (previous !== null) this.unindex(state.def, key, previous);
    this.index(state.def, key, next);
    this.record(state, {
      type: previous === null ? 'ADDED' : 'MODIFIED',
      resource: state.def,
      object: next,
      previous,
      resourceVersion: this.rv,
    });
    return next;
  }

  private remove(state: ResourceState, key: string, existing: KubeObject, last?: KubeObject): KubeObject {
    this.rv += 1;
    const final = last ?? (structuredClone(existing) as KubeObject);
    final.metadata.resourceVersion = String(this.rv);
    deepFreeze(final);
    state.objects.delete(key);
    state.sortedKeys = null;
    this.countInNamespace(state.def, existing, -1);
    this.unindex(state.def, key, existing);
    this.record(state, {
      type: 'DELETED',
      resource: state.def,
      object: final,
      previous: existing,
      resourceVersion: this.rv,
    });
    this.collectDependents(existing.metadata.uid);
    const ns = existing.metadata.namespace;
    if (state.def.namespaced && ns !== undefined) this.finishNamespaceIfEmpty(ns);
    return final;
  }

  private countInNamespace(def: ResourceDef, obj: KubeObject, delta: number): void {
    const ns = obj.metadata.namespace;
    if (!def.namespaced || ns === undefined) return;
    const count = (this.namespaceContent.get(ns) ?? 0) + delta;
    if (count === 0) this.namespaceContent.delete(ns);
    else this.namespaceContent.set(ns, count);
  }

  private index(def: ResourceDef, key: string, obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (uid !== undefined) this.uids.set(uid, { def, key });
    for (const owner of obj.metadata.ownerReferences ?? []) {
      let set = this.dependents.get(owner.uid);
      if (set === undefined) this.dependents.set(owner.uid, (set = new Set()));
      set.add(`${def.plural}|${key}`);
    }
  }

  private unindex(def: ResourceDef, key: string, obj: KubeObject): void {
    const uid = obj.metadata.uid;
    if (uid !== undefined && this.uids.get(uid)?.key === key) this.uids.delete(uid);
    for (const owner of obj.metadata.ownerReferences ?? [])
      this.dependents.get(owner.uid)?.delete(`${def.plural}|${key}`);
  }

  /** Background garbage collection: a dependent goes once none of its owners exists any more. */
  private collectDependents(ownerUid: string | undefined): void {
    if (ownerUid === undefined) return;
    const refs = this.dependents.get(ownerUid);
    if (refs === undefined) return;
    this.dependents.delete(ownerUid);
    for (const ref of [...refs]) {
      const [plural, key] = ref.split('|') as [string, string];
      const def = this.resource(plural);
      const dependent = this.state(def).objects.get(key);
      if (dependent === undefined) continue;
      const owners = dependent.metadata.ownerReferences ?? [];
      if (owners.some((o) => this.uids.has(o.uid))) continue;
      this.delete(def, dependent.metadata.name, { namespace: dependent.metadata.namespace });
    }
  }

  private orphanDependents(owner: KubeObject): void {
    const uid = owner.metadata.uid;
    const refs = uid === undefined ? undefined : this.dependents.get(uid);
    if (refs === undefined) return;
    for (const ref of [...refs]) {
      const [plural, key] = ref.split('|') as [string, string];
      const state = this.state(this.resource(plural));
      const dependent = state.objects.get(key);
      if (dependent === undefined) continue;
      const next = structuredClone(dependent) as KubeObject;
      next.metadata.ownerReferences = (next.metadata.ownerReferences ?? []).filter((o) => o.uid !== uid);
      if (next.metadata.ownerReferences.length === 0) delete next.metadata.ownerReferences;
      this.commit(state, key, next, dependent);
    }
  }

  /** A namespace goes Terminating, its content is deleted, and it goes once empty. */
  private deleteNamespace(ns: KubeObject): KubeObject {
    const state = this.state(NAMESPACES);
    const name = ns.metadata.name;
    let current = ns;
    if (ns.metadata.deletionTimestamp === undefined) {
      const marked = structuredClone(ns) as KubeObject;
      marked.metadata.deletionTimestamp = rfc3339(this.now());
      marked.metadata.deletionGracePeriodSeconds = 0;
      marked.status = { ...asRecord(marked.status), phase: 'Terminating' };
      current = this.commit(state, name, marked, ns);
    }
    for (const s of this.states.values()) {
      if (!s.def.namespaced) continue;
      for (const obj of [...s.objects.values()]) {
        if (obj.metadata.namespace === name && obj.metadata.deletionTimestamp === undefined) {
          this.delete(s.def, obj.metadata.name, { namespace: name });
        }
      }
    }
    return this.finishNamespaceIfEmpty(name) ?? this.find(NAMESPACES, name) ?? current;
  }

  private finishNamespaceIfEmpty(name: string): KubeObject | undefined {
    const ns = this.find(NAMESPACES, name);
    if (ns === undefined || ns.metadata.deletionTimestamp === undefined) return undefined;
    if (this.namespaceContent.has(name)) return undefined;
    return this.remove(this.state(NAMESPACES), name, ns);
  }

  private record(state: ResourceState, event: StoreEvent): void {
    state.history.push(event);
    if (state.history.length - state.head > this.historyLimit) {
      state.compactedThrough = state.history[state.head]!.resourceVersion;
      state.head += 1;
      // Drop the evicted prefix now and then rather than shifting on every write.
      if (state.head >= this.historyLimit) {
        state.history = state.history.slice(state.head);
        state.head = 0;
      }
    }
    this.queue.push(event);
    if (this.dispatching) return;
    this.dispatching = true;
    try {
      for (let i = 0; i < this.queue.length; i++) this.dispatch(this.queue[i]!);
    } finally {
      this.queue.length = 0;
      this.dispatching = false;
    }
  }

  private dispatch(event: StoreEvent): void {
    const state = this.state(event.resource);
    for (const watcher of [...state.watchers]) {
      if (watcher.stopped || event.resourceVersion <= watcher.seenUpTo) continue;
      const seen = this.viewOf(watcher, event);
      if (seen !== null) this.deliver(watcher, seen);
      else watcher.seenUpTo = event.resourceVersion;
    }
    for (const listener of [...this.changeListeners]) {
      try {
        listener(event);
      } catch (err) {
        this.onListenerError(err);
      }
    }
  }

  private deliver(watcher: Watcher, event: WatchEvent): void {
    watcher.seenUpTo = Math.max(watcher.seenUpTo, event.resourceVersion);
    try {
      watcher.listener(event);
    } catch (err) {
      this.onListenerError(err);
    }
  }

  private inScope(watcher: Watcher, obj: KubeObject): boolean {
    return watcher.namespace === undefined || obj.metadata.namespace === watcher.namespace;
  }

  /** The event as a watcher with a selector sees it: entering the selection is ADDED, leaving it DELETED. */
  private viewOf(watcher: Watcher, event: StoreEvent): WatchEvent | null {
    if (!this.inScope(watcher, event.object)) return null;
    const object = watcher.view(event.object);
    const now = watcher.selector(object);
    const { resourceVersion } = event;
    if (event.type === 'MODIFIED' && watcher.selector !== matchEverything) {
      const before = event.previous !== null && watcher.selector(watcher.view(event.previous));
      if (before && !now) return { type: 'DELETED', object, resourceVersion };
      if (!before && now) return { type: 'ADDED', object, resourceVersion };
    }
    return now ? { type: event.type, object, resourceVersion } : null;
  }
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lowerBound(keys: string[], key: string): number {
  let lo = 0;
  let hi = keys.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keys[mid]! < key) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the first retained event after `rv`. */
function firstAfter(state: ResourceState, rv: number): number {
  let lo = state.head;
  let hi = state.history.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (state.history[mid]!.resourceVersion <= rv) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export { ApiError };
