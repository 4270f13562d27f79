// Where the ClusterPromotion schema comes from for one run: the bundled CRD, a file given to
// `lint --crd`, or the CRD installed in a cluster (`lint --context`). Each is named in lint's JSON
// so that a report says which Sveltos it was checked against.
import { formatFinding } from '../api/findings.ts';
import { readSource } from '../api/source-files.ts';
import { parseYaml } from '../api/yaml-source.ts';
import { UserError } from '../user-error.ts';
import { bundledSchema, bundledSource } from './bundled.ts';
import { asCrd, CrdError, ResourceSchema } from './resource-schema.ts';

export interface CrdUsed {
  /** `clusterpromotions.config.projectsveltos.io` */
  name: string;
  /** The version whose schema was used (the storage version). */
  version: string;
  from: 'bundled' | 'file' | 'cluster';
  /** For `bundled`: the upstream repository and commit; for `file`: the path; for `cluster`: the server. */
  source: string;
  /** The cluster's resourceVersion of the CRD, for `cluster`. */
  resourceVersion?: string;
}

export interface SchemaChoice {
  schema: ResourceSchema;
  used: CrdUsed;
}

function used(schema: ResourceSchema, from: CrdUsed['from'], source: string): CrdUsed {
  return { name: schema.crd.metadata.name, version: schema.version.name, from, source };
}

export function bundledChoice(kind = 'ClusterPromotion'): SchemaChoice {
  const schema = bundledSchema(kind);
  const s = bundledSource(kind);
  return { schema, used: used(schema, 'bundled', s ? `${s.repository} ${s.describe}` : 'bundled') };
}

/** The CRD of `kind` from a parsed object; a CRD of another kind, or no CRD, is one clear line. */
export function choiceOf(
  value: unknown,
  source: string,
  from: CrdUsed['from'],
  kind = 'ClusterPromotion',
): SchemaChoice {
  try {
    const crd = asCrd(value, source);
    if (crd.spec.names.kind !== kind) {
      throw new CrdError(`${source} is the CustomResourceDefinition of ${crd.spec.names.kind}, not of ${kind}`);
    }
    const schema = new ResourceSchema(crd);
    return { schema, used: used(schema, from, source) };
  } catch (e) {
    if (e instanceof CrdError) throw new UserError(e.message);
    throw e;
  }
}

/** Reads a CRD file (YAML or JSON, several documents allowed: the one of `kind` is used). */
export async function crdFromFile(path: string, kind = 'ClusterPromotion'): Promise<SchemaChoice> {
  // Read as any input is: within the byte bound, then parsed within the depth, document and alias limits.
  const src = await readSource(path).catch((e: unknown) => {
    throw e instanceof UserError ? new UserError(`--crd ${e.message.replace(/^cannot read /, '')}`) : e;
  });
  const { objects, findings } = parseYaml(src.text, path);
  if (findings.length > 0) throw new UserError(`--crd ${formatFinding(findings[0]!)}`);
  const values: unknown[] = objects.map((o) => o.value);
  const crds = values.filter(
    (v) => typeof v === 'object' && v !== null && (v as { kind?: unknown }).kind === 'CustomResourceDefinition',
  );
  const mine = crds.find((v) => (v as { spec?: { names?: { kind?: unknown } } }).spec?.names?.kind === kind);
  return choiceOf(mine ?? crds[0] ?? values[0], path, 'file', kind);
}
