// What the served simulation reports as Kubernetes Events, so that `kubectl describe
// clusterpromotion`, `kubectl get events` and `kubectl events --for` show the rollout as they
// would on a management cluster: the promotion controller's events regard the ClusterPromotion,
// the simulated addon-controller's regard the ClusterProfile, with the cluster as `related`.
// Objects changing on a cluster's own timeline are the workload clusters' business and are not
// reported on the management cluster.
import { CAPI_GROUP, CONFIG_API_VERSION, type KubeObject } from '../src/api/types.ts';
import type { ObjectStore } from './apiserver/store.ts';
import { EventRecorder, type EventRecord, type EventReference } from './event-recorder.ts';
import type { Fleet, FleetEvent, FleetEventType } from './fleet.ts';
import type {
  ControllerEvent,
  ControllerEventType,
  PromotionController,
} from '../src/controller/promotion-controller.ts';

export const PROMOTION_CONTROLLER = 'kubectl-promotion/clusterpromotion-controller';
export const FLEET_CONTROLLER = 'kubectl-promotion/simulated-addon-controller';
const INSTANCE = 'simulate-serve';

const WARNINGS = new Set<ControllerEventType | FleetEventType>([
  'StageFailing',
  'WriteRefused',
  'DeployFailed',
  'FailedNonRetriable',
  'HealthCheckFailed',
]);

const FLEET_ACTIONS: Partial<Record<FleetEventType, string>> = {
  Deploying: 'Deploy',
  Provisioned: 'Deploy',
  DeployFailed: 'Deploy',
  FailedNonRetriable: 'Deploy',
  HealthCheckFailed: 'CheckHealth',
  HealthChecksPassed: 'CheckHealth',
  HealthCheckIgnored: 'CheckHealth',
};

function referenceTo(obj: KubeObject): EventReference {
  return {
    apiVersion: obj.apiVersion,
    kind: obj.kind,
    name: obj.metadata.name,
    ...(obj.metadata.namespace ? { namespace: obj.metadata.namespace } : {}),
    ...(obj.metadata.uid ? { uid: obj.metadata.uid } : {}),
  };
}

export function promotionEventRecord(store: ObjectStore, e: ControllerEvent): EventRecord {
  const promotion = store.find('clusterpromotions', e.promotion);
  return {
    regarding: promotion
      ? referenceTo(promotion)
      : { apiVersion: CONFIG_API_VERSION, kind: 'ClusterPromotion', name: e.promotion },
    type: WARNINGS.has(e.type) ? 'Warning' : 'Normal',
    reason: e.type,
    action: e.type === 'FinalizerAdded' || e.type === 'Finalized' ? 'Finalize' : 'Reconcile',
    note: e.message,
  };
}

/** The record of a fleet event, or null for what a management cluster would not report. */
export function fleetEventRecord(store: ObjectStore, e: FleetEvent): EventRecord | null {
  const action = FLEET_ACTIONS[e.type];
  if (action === undefined || e.profile === null) return null;
  const profile = store.find('clusterprofiles', e.profile);
  let related: EventReference | undefined;
  if (e.cluster !== null) {
    const [namespace, name] = e.cluster.split('/') as [string, string];
    const cluster = store.find('sveltosclusters', name, namespace) ?? store.find('clusters', name, namespace);
    related = cluster
      ? referenceTo(cluster)
      : { apiVersion: `${CAPI_GROUP}/v1beta1`, kind: 'Cluster', name, namespace };
  }
  return {
    regarding: profile
      ? referenceTo(profile)
      : { apiVersion: CONFIG_API_VERSION, kind: 'ClusterProfile', name: e.profile },
    ...(related ? { related } : {}),
    type: WARNINGS.has(e.type) ? 'Warning' : 'Normal',
    reason: e.type,
    action,
    // The OBJECT column shows the profile; the note says which cluster.
    note: e.cluster === null ? e.message : `${e.cluster}: ${e.message}`,
  };
}

/** Records the controller's and the fleet's events in the store until the returned function is called. */
export function recordEvents(
  store: ObjectStore,
  fleet: Fleet,
  controller: PromotionController | null,
  options: { ttlMs?: number; maxEvents?: number } = {},
): { expire(): void; stop(): void } {
  const promotions = new EventRecorder({
    store,
    reportingController: PROMOTION_CONTROLLER,
    reportingInstance: INSTANCE,
    ...options,
  });
  const profiles = new EventRecorder({
    store,
    reportingController: FLEET_CONTROLLER,
    reportingInstance: INSTANCE,
    ...options,
  });
  const stopController = controller?.on((e) => promotions.record(promotionEventRecord(store, e)));
  const stopFleet = fleet.onEvent((e) => {
    const record = fleetEventRecord(store, e);
    if (record !== null) profiles.record(record);
  });
  return {
    expire: () => {
      promotions.expire();
      profiles.expire();
    },
    stop: () => {
      stopController?.();
      stopFleet();
    },
  };
}
