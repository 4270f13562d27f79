// The Sveltos CRDs vendored in src/schema/crds (see sources.json there, and refresh.mjs to update
// them): the schema every layer uses unless a user points lint at another CRD.
import clusterProfiles from './crds/clusterprofiles.config.projectsveltos.io.json' with { type: 'json' };
import clusterPromotions from './crds/clusterpromotions.config.projectsveltos.io.json' with { type: 'json' };
import clusterSummaries from './crds/clustersummaries.config.projectsveltos.io.json' with { type: 'json' };
import sources from './crds/sources.json' with { type: 'json' };
import sveltosClusters from './crds/sveltosclusters.lib.projectsveltos.io.json' with { type: 'json' };
import { asCrd, ResourceSchema } from './resource-schema.ts';
import type { CustomResourceDefinition } from './types.ts';

export interface CrdSource {
  file: string;
  repository: string;
  path: string;
  commit: string;
  describe: string;
}

export const BUNDLED_SOURCES: readonly CrdSource[] = sources;

let crds: CustomResourceDefinition[] | undefined;

/** The vendored CRDs, in a fixed order (ClusterPromotion first). */
export function bundledCrds(): readonly CustomResourceDefinition[] {
  crds ??= [clusterPromotions, clusterProfiles, clusterSummaries, sveltosClusters].map((c, i) =>
    asCrd(c, BUNDLED_SOURCES[i]?.file ?? 'bundled CRD'),
  );
  return crds;
}

const schemas = new Map<string, ResourceSchema>();

/** The bundled schema of a kind (`ClusterPromotion`, `SveltosCluster`, ...). */
export function bundledSchema(kind: string): ResourceSchema {
  let schema = schemas.get(kind);
  if (schema === undefined) {
    const crd = bundledCrds().find((c) => c.spec.names.kind === kind);
    if (crd === undefined) throw new Error(`no bundled CRD for kind ${kind}`);
    schema = new ResourceSchema(crd);
    schemas.set(kind, schema);
  }
  return schema;
}

/** A copy of `object` with the defaults its kind's CRD gives, as the API server would store it. */
export function withBundledDefaults<T>(kind: string, object: T): T {
  const copy = structuredClone(object);
  bundledSchema(kind).applyDefaults(copy);
  return copy;
}

/** Where the bundled CRD of a kind came from, for `lint -o json` and `version`. */
export function bundledSource(kind: string): CrdSource | undefined {
  const crd = bundledCrds().find((c) => c.spec.names.kind === kind);
  return crd && BUNDLED_SOURCES.find((s) => s.file === `${crd.metadata.name}.json`);
}
