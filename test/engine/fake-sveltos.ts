// A minimal stand-in for the API server and Sveltos's addon-controller, for engine tests: it applies
// the engine's writes the way the API server would, and provisions ClusterSummaries on command.
import fjp from 'fast-json-patch';
import { matchesSelector } from '../../src/api/selector.ts';
import {
  CONFIG_API_VERSION,
  LABEL_SUMMARY_CLUSTER,
  LABEL_SUMMARY_CLUSTER_TYPE,
  LABEL_SUMMARY_PROFILE,
  type ClusterProfile,
  type ClusterPromotion,
  type ClusterRef,
  type ClusterSummary,
  type FeatureStatus,
  type Stage,
} from '../../src/api/types.ts';
import {
  CONFLICT,
  PromotionController,
  UNCHANGED,
  WRITTEN,
  type WriteResult,
} from '../../src/controller/promotion-controller.ts';
import { worldOf, type EngineEvent, type ReconcileResult } from '../../src/engine/index.ts';
import { bundledSchema } from '../../src/schema/index.ts';

export const T0 = new Date('2026-03-02T09:00:00Z');
export const at = (offsetMs: number) => new Date(T0.getTime() + offsetMs);
export const MIN = 60_000;

export function cluster(name: string, labels: Record<string, string>, ready = true): ClusterRef {
  return { namespace: 'default', name, type: 'Sveltos', labels, ready };
}

export function promotion(
  stages: Stage[],
  profileSpec: ClusterPromotion['spec']['profileSpec'] = defaultProfileSpec(),
): ClusterPromotion {
  return {
    apiVersion: CONFIG_API_VERSION,
    kind: 'ClusterPromotion',
    metadata: { name: 'rollout', uid: 'uid-1' },
    spec: { profileSpec, stages },
  };
}

export function defaultProfileSpec(): ClusterPromotion['spec']['profileSpec'] {
  return {
    syncMode: 'Continuous',
    helmCharts: [
      {
        repositoryURL: 'https://kyverno.github.io/kyverno/',
        repositoryName: 'kyverno',
        chartName: 'kyverno/kyverno',
        chartVersion: '3.5.2',
        releaseName: 'kyverno-latest',
        releaseNamespace: 'kyverno',
        helmChartAction: 'Install',
      },
    ],
  };
}

export const env = (value: string) => ({ matchLabels: { env: value } });

type ClusterBehaviour = { status: FeatureStatus; message?: string } | 'hold';

export class FakeSveltos {
  profiles = new Map<string, ClusterProfile>();
  summaries = new Map<string, ClusterSummary>();
  /** Per cluster name: what its next provisioning reports; absent means Provisioned. */
  behaviour = new Map<string, ClusterBehaviour>();
  /** Provision profiles right after every write, like an instant addon-controller. */
  autoProvision = true;
  events: EngineEvent[] = [];
  last!: ReconcileResult;

  /** The project's one controller loop, over this fake's objects. */
  readonly controller = new PromotionController({
    finalizer: false,
    ports: {
      // A restarted engine reads the status back pruned to the schema.
      promotion: () => (this.roundTrip ? (this.promotion = pruneToSchema(this.promotion)) : this.promotion),
      world: () => this.world(),
      applyProfile: (p) => this.#wrote(() => this.profiles.set(p.metadata.name, structuredClone(p))),
      deleteProfile: (name) =>
        this.#wrote(() => {
          this.profiles.delete(name);
          for (const [k, s] of this.summaries)
            if (s.metadata.labels?.[LABEL_SUMMARY_PROFILE] === name) this.summaries.delete(k);
        }),
      writeStatus: (_read, status) =>
        this.#wrote(() => (this.promotion = { ...this.promotion, status: structuredClone(status) })),
      patchSpec: (_read, ops) => {
        try {
          const patched = fjp.applyPatch(structuredClone(this.promotion), ops as fjp.Operation[], true, false);
          return this.#wrote(() => (this.promotion = patched.newDocument));
        } catch {
          return CONFLICT;
        }
      },
      setFinalizers: () => UNCHANGED,
      profileExists: (name) => this.profiles.has(name),
    },
  });
  #writes = 0;

  constructor(
    public promotion: ClusterPromotion,
    public clusters: ClusterRef[],
    /** Mimics a restarted engine: the status is pruned to the CRD schema between reconciles. */
    private readonly roundTrip = false,
  ) {
    this.controller.observe({
      reconciled: (_p, r) => {
        this.last = r;
        this.events.push(...r.events);
      },
    });
  }

  world() {
    return worldOf({
      clusters: this.clusters,
      profiles: [...this.profiles.values()],
      summaries: [...this.summaries.values()],
    });
  }

  /** Reconciles until the engine has nothing more to write at this instant. */
  async settle(now: Date): Promise<ReconcileResult> {
    for (let i = 0; i < 50; i++) {
      if (this.autoProvision) this.provisionAll();
      const before = this.#writes;
      await this.controller.reconcileOne(this.promotion.metadata.name, now.getTime());
      if (this.#writes === before) return this.last;
    }
    throw new Error('engine did not settle in 50 reconciles');
  }

  #wrote(write: () => unknown): WriteResult {
    write();
    this.#writes++;
    return WRITTEN;
  }

  /** Every profile's matching ready clusters report on the profile's current content. */
  provisionAll(): void {
    for (const p of this.profiles.values()) this.provision(p);
  }

  provision(profile: ClusterProfile): void {
    for (const c of this.clusters) {
      if (!c.ready || !matchesSelector(c.labels, profile.spec.clusterSelector)) continue;
      const name = `${profile.metadata.name}-sveltos-${c.name}`;
      const b = this.behaviour.get(c.name) ?? { status: 'Provisioned' as const };
      if (b === 'hold') continue;
      this.summaries.set(name, {
        apiVersion: CONFIG_API_VERSION,
        kind: 'ClusterSummary',
        metadata: {
          name,
          namespace: c.namespace,
          labels: {
            [LABEL_SUMMARY_PROFILE]: profile.metadata.name,
            [LABEL_SUMMARY_CLUSTER]: c.name,
            [LABEL_SUMMARY_CLUSTER_TYPE]: c.type,
          },
        },
        spec: {
          clusterNamespace: c.namespace,
          clusterName: c.name,
          clusterType: c.type,
          clusterProfileSpec: structuredClone(profile.spec),
        },
        status: {
          featureSummaries: [
            { featureID: 'Helm', status: b.status, ...(b.message ? { failureMessage: b.message } : {}) },
          ],
        },
      });
    }
  }

  /** Spec edits as a user makes them. */
  editStage(name: string, edit: (s: Stage) => void): void {
    const p = structuredClone(this.promotion);
    edit(p.spec.stages.find((s) => s.name === name)!);
    this.promotion = p;
  }

  stageStatus(name: string) {
    return this.promotion.status?.stages?.find((s) => s.name === name);
  }

  phase(name: string) {
    return this.last.phases.find((p) => p.name === name)?.phase;
  }
}

/**
 * What a restarted engine reads back: the object as the API server stores it, pruned to the
 * vendored CRD's structural schema (status included: anything else the engine wrote is gone).
 */
export function pruneToSchema(p: ClusterPromotion): ClusterPromotion {
  const json = JSON.parse(JSON.stringify(p)) as ClusterPromotion;
  bundledSchema('ClusterPromotion').prune(json);
  return json;
}
