// The ClusterPromotion CRD installed in a cluster, for `lint --context`: the schema the cluster's
// API server will apply, so that lint answers for exactly the Sveltos it runs.
import { KubeApiError, type KubeClient } from '../kube/client.ts';
import { EXIT_API, explainFailure, LiveError } from '../kube/errors.ts';
import type { ResourceType } from '../kube/resources.ts';
import { choiceOf, type SchemaChoice } from './crd-source.ts';

export const CUSTOM_RESOURCE_DEFINITIONS: ResourceType = {
  group: 'apiextensions.k8s.io',
  version: 'v1',
  plural: 'customresourcedefinitions',
  kind: 'CustomResourceDefinition',
  namespaced: false,
};

export const PROMOTION_CRD_NAME = 'clusterpromotions.config.projectsveltos.io';

export async function crdFromCluster(client: KubeClient, name = PROMOTION_CRD_NAME): Promise<SchemaChoice> {
  const conn = client.connection;
  let crd: { metadata?: { resourceVersion?: string } };
  try {
    crd = await client.request('GET', `/apis/apiextensions.k8s.io/v1/customresourcedefinitions/${name}`);
  } catch (e) {
    if (e instanceof KubeApiError && e.code === 404) {
      throw new LiveError(
        `context "${conn.contextName}" has no CustomResourceDefinition ${name}: is Sveltos installed? ` +
          '(without --context, lint checks against the bundled CRD)',
        EXIT_API,
      );
    }
    throw explainFailure(e, { verb: 'get', resource: CUSTOM_RESOURCE_DEFINITIONS, name }, conn);
  }
  const choice = choiceOf(crd, `${conn.server} (context "${conn.contextName}")`, 'cluster');
  const rv = crd.metadata?.resourceVersion;
  return { ...choice, used: { ...choice.used, ...(rv === undefined ? {} : { resourceVersion: rv }) } };
}
