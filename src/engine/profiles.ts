// The ClusterProfiles a promotion generates: one main profile per stage reached, and a verification
// profile while a stage runs its preHealthCheckDeployment.
import {
  CONFIG_API_VERSION,
  type ClusterProfile,
  type ClusterPromotion,
  type PolicyRef,
  type Stage,
  type ValidateHealth,
} from '../api/types.ts';
import {
  mainProfileLabels,
  mainProfileName,
  stageAnnotations,
  verificationProfileLabels,
  verificationProfileName,
} from './names.ts';

function ownerReference(promotion: ClusterPromotion) {
  return {
    apiVersion: CONFIG_API_VERSION,
    kind: 'ClusterPromotion',
    name: promotion.metadata.name,
    uid: promotion.metadata.uid ?? '',
  };
}

/** The stage's profile: profileSpec passed through untouched, plus the stage's selector. */
export function mainProfile(
  promotion: ClusterPromotion,
  stage: Stage,
  appendedChecks: readonly ValidateHealth[] = [],
): ClusterProfile {
  const spec = { ...promotion.spec.profileSpec, clusterSelector: stage.clusterSelector ?? {} };
  if (appendedChecks.length > 0) {
    spec.validateHealths = [...(promotion.spec.profileSpec.validateHealths ?? []), ...appendedChecks];
  }
  return {
    apiVersion: CONFIG_API_VERSION,
    kind: 'ClusterProfile',
    metadata: {
      name: mainProfileName(promotion.metadata.name, stage.name),
      labels: mainProfileLabels(promotion.metadata.name),
      annotations: stageAnnotations(stage.name),
      ownerReferences: [ownerReference(promotion)],
    },
    spec,
  };
}

/**
 * The verification profile deploys only the preHealthCheckDeployment references, continuously, with
 * the tier and conflict/error behaviour of the main profile so that it coexists with it.
 */
export function verificationProfile(
  promotion: ClusterPromotion,
  stage: Stage,
  refs: readonly PolicyRef[],
): ClusterProfile {
  const ps = promotion.spec.profileSpec;
  const spec: ClusterProfile['spec'] = {
    syncMode: 'Continuous',
    clusterSelector: stage.clusterSelector ?? {},
    policyRefs: [...refs],
  };
  if (ps.tier !== undefined) spec.tier = ps.tier;
  if (ps.continueOnConflict !== undefined) spec.continueOnConflict = ps.continueOnConflict;
  if (ps.continueOnError !== undefined) spec.continueOnError = ps.continueOnError;
  return {
    apiVersion: CONFIG_API_VERSION,
    kind: 'ClusterProfile',
    metadata: {
      name: verificationProfileName(promotion.metadata.name, stage.name),
      labels: verificationProfileLabels(promotion.metadata.name),
      annotations: stageAnnotations(stage.name),
      ownerReferences: [ownerReference(promotion)],
    },
    spec,
  };
}
