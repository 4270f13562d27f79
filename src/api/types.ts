// The Kubernetes objects this project reads and writes, as their JSON appears on the wire.
// Field names follow the Go types of projectsveltos/addon-controller (api/v1beta1) and
// projectsveltos/libsveltos; optional fields stay optional because a real API server omits them.

export const SVELTOS_CONFIG_GROUP = 'config.projectsveltos.io';
export const SVELTOS_LIB_GROUP = 'lib.projectsveltos.io';
export const CAPI_GROUP = 'cluster.x-k8s.io';
export const SVELTOS_VERSION = 'v1beta1';
export const CONFIG_API_VERSION = `${SVELTOS_CONFIG_GROUP}/${SVELTOS_VERSION}`;
export const LIB_API_VERSION = `${SVELTOS_LIB_GROUP}/${SVELTOS_VERSION}`;

/** Labels and annotations that tie generated objects back to their owners. */
export const LABEL_PROMOTION_NAME = 'config.projectsveltos.io/promotionname';
export const LABEL_PROMOTION_VERIFICATION = 'config.projectsveltos.io/promotion-verification';
export const ANNOTATION_STAGE_NAME = 'config.projectsveltos.io/stagename';
export const LABEL_SUMMARY_PROFILE = 'projectsveltos.io/cluster-profile-name';
export const LABEL_SUMMARY_CLUSTER = 'projectsveltos.io/cluster-name';
export const LABEL_SUMMARY_CLUSTER_TYPE = 'projectsveltos.io/cluster-type';

export interface OwnerReference {
  apiVersion: string;
  kind: string;
  name: string;
  uid: string;
  controller?: boolean;
  blockOwnerDeletion?: boolean;
}

export interface ObjectMeta {
  name: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generation?: number;
  creationTimestamp?: string;
  deletionTimestamp?: string;
  finalizers?: string[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  ownerReferences?: OwnerReference[];
  [field: string]: unknown;
}

export interface KubeObject {
  apiVersion: string;
  kind: string;
  metadata: ObjectMeta;
  [field: string]: unknown;
}

// ---- selectors -------------------------------------------------------------------------------

export const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;
export type SelectorOperator = (typeof SELECTOR_OPERATORS)[number];

export interface LabelSelectorRequirement {
  key: string;
  operator: SelectorOperator;
  values?: string[];
}

export interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: LabelSelectorRequirement[];
}

// ---- health checks (libsveltos ValidateHealth) -------------------------------------------------

export const FEATURE_IDS = ['Resources', 'Helm', 'Kustomize'] as const;
export type FeatureID = (typeof FEATURE_IDS)[number];

export const LABEL_FILTER_OPERATIONS = ['Equal', 'Different', 'Has', 'DoesNotHave'] as const;
export type LabelFilterOperation = (typeof LABEL_FILTER_OPERATIONS)[number];

export interface LabelFilter {
  key: string;
  operation: LabelFilterOperation;
  value?: string;
}

export interface CELRule {
  name: string;
  rule: string;
}

export interface MetricQuery {
  name: string;
  query: string;
}

export interface SecretReference {
  name?: string;
  namespace?: string;
}

/** Where metricQueries are sent: a Prometheus-compatible endpoint. */
export interface MetricSource {
  url: string;
  path?: string;
  secretRef?: SecretReference;
}

/** A Job whose outcome is the check's (Sveltos v1.14+); its spec is in a Secret or ConfigMap. */
export interface JobCheck {
  jobRef: { kind: 'Secret' | 'ConfigMap'; namespace: string; name: string };
  timeout?: string;
}

export interface ValidateHealth {
  name: string;
  featureID: FeatureID;
  group?: string;
  /** With `kind`, the objects the check reads; a check without a kind reads metrics only (or runs a Job). */
  version?: string;
  kind?: string;
  namespace?: string;
  labelFilters?: LabelFilter[];
  script?: string;
  evaluateCEL?: CELRule[];
  metricQueries?: MetricQuery[];
  metricSource?: MetricSource;
  jobCheck?: JobCheck;
}

// ---- profile spec --------------------------------------------------------------------------------

export const SYNC_MODES = ['OneTime', 'Continuous', 'ContinuousWithDriftDetection', 'DryRun'] as const;
export type SyncMode = (typeof SYNC_MODES)[number];

/** A reference to a ConfigMap or Secret whose content Sveltos deploys. */
export interface PolicyRef {
  kind: string;
  namespace?: string;
  name: string;
  deploymentType?: string;
  optional?: boolean;
  [field: string]: unknown;
}

export interface HelmChart {
  repositoryURL: string;
  repositoryName: string;
  chartName: string;
  chartVersion: string;
  releaseName: string;
  releaseNamespace: string;
  helmChartAction?: string;
  [field: string]: unknown;
}

export interface KustomizationRef {
  namespace?: string;
  name: string;
  kind: string;
  path?: string;
  [field: string]: unknown;
}

/**
 * A ClusterProfile spec without the cluster selection. Only the fields the promotion logic reads
 * are typed; every other field passes through untouched.
 */
export interface ProfileSpec {
  syncMode?: SyncMode;
  tier?: number;
  continueOnConflict?: boolean;
  continueOnError?: boolean;
  maxUpdate?: number | string;
  maxConsecutiveFailures?: number;
  policyRefs?: PolicyRef[];
  helmCharts?: HelmChart[];
  kustomizationRefs?: KustomizationRef[];
  validateHealths?: ValidateHealth[];
  [field: string]: unknown;
}

// ---- ClusterPromotion ----------------------------------------------------------------------------

export interface TimeWindow {
  from: string;
  to: string;
}

export interface AutoTrigger {
  delay?: string;
  preHealthCheckDeployment?: PolicyRef[];
  postDelayHealthChecks?: ValidateHealth[];
  promotionWindow?: TimeWindow;
}

export interface ManualTrigger {
  delay?: string;
  preHealthCheckDeployment?: PolicyRef[];
  postDelayHealthChecks?: ValidateHealth[];
  approved?: boolean;
  /** Defaults to true (the CRD's default): approval is consumed when the stage advances. */
  automaticReset?: boolean;
}

export interface Trigger {
  auto?: AutoTrigger;
  manual?: ManualTrigger;
}

export interface Stage {
  name: string;
  clusterSelector?: LabelSelector;
  trigger?: Trigger;
}

export interface ClusterPromotionSpec {
  profileSpec: ProfileSpec;
  stages: Stage[];
  preserveClusterProfilesOnDelete?: boolean;
}

export interface StageStatus {
  name: string;
  /** When the stage's ClusterProfile was last applied. */
  lastUpdateReconciledTime?: string;
  /** When every cluster of the stage was last seen deployed. */
  lastSuccessfulAppliedTime?: string;
  lastStatusCheckTime?: string;
  failureMessage?: string;
  currentStatusDescription?: string;
}

export interface ClusterPromotionStatus {
  stages?: StageStatus[];
  /** SHA-256, base64 encoded as Kubernetes encodes []byte. */
  profileSpecHash?: string;
  stagesHash?: string;
  currentStageName?: string;
  lastPromotionTime?: string;
}

export interface ClusterPromotion extends KubeObject {
  apiVersion: typeof CONFIG_API_VERSION;
  kind: 'ClusterPromotion';
  spec: ClusterPromotionSpec;
  status?: ClusterPromotionStatus;
}

// ---- ClusterProfile and ClusterSummary ---------------------------------------------------------------

export interface ClusterProfileSpec extends ProfileSpec {
  clusterSelector?: LabelSelector;
}

export interface ClusterReference {
  apiVersion: string;
  kind: string;
  namespace: string;
  name: string;
}

export interface ClusterProfile extends KubeObject {
  apiVersion: typeof CONFIG_API_VERSION;
  kind: 'ClusterProfile';
  spec: ClusterProfileSpec;
  status?: { matchingClusters?: ClusterReference[]; [field: string]: unknown };
}

export const CLUSTER_TYPES = ['Sveltos', 'Capi'] as const;
export type ClusterType = (typeof CLUSTER_TYPES)[number];

export const FEATURE_STATUSES = [
  'Provisioning',
  'Provisioned',
  'Failed',
  'FailedNonRetriable',
  'Removing',
  'Removed',
  'AgentRemoving',
] as const;
export type FeatureStatus = (typeof FEATURE_STATUSES)[number];

export interface FeatureSummary {
  featureID: FeatureID;
  status?: FeatureStatus;
  failureMessage?: string;
  consecutiveFailures?: number;
  lastAppliedTime?: string;
  hash?: string;
}

export interface ClusterSummary extends KubeObject {
  apiVersion: typeof CONFIG_API_VERSION;
  kind: 'ClusterSummary';
  spec: {
    clusterNamespace: string;
    clusterName: string;
    clusterType: ClusterType;
    clusterProfileSpec: ClusterProfileSpec;
  };
  status?: { featureSummaries?: FeatureSummary[]; [field: string]: unknown };
}

// ---- clusters --------------------------------------------------------------------------------------

export interface SveltosCluster extends KubeObject {
  apiVersion: typeof LIB_API_VERSION;
  kind: 'SveltosCluster';
  spec?: Record<string, unknown>;
  status?: { ready?: boolean; [field: string]: unknown };
}

export interface CapiCluster extends KubeObject {
  kind: 'Cluster';
  spec?: Record<string, unknown>;
  status?: {
    phase?: string;
    controlPlaneReady?: boolean;
    infrastructureReady?: boolean;
    initialization?: { controlPlaneInitialized?: boolean; infrastructureProvisioned?: boolean };
    [field: string]: unknown;
  };
}

/** A managed cluster as the promotion logic sees it, whatever its kind. */
export interface ClusterRef {
  namespace: string;
  name: string;
  type: ClusterType;
  labels: Record<string, string>;
  ready: boolean;
}

/** `namespace/name`, the key clusters are listed by everywhere in this project. */
export function clusterKey(c: { namespace: string; name: string }): string {
  return `${c.namespace}/${c.name}`;
}
