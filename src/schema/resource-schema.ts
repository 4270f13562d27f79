// One version of one CustomResourceDefinition as a schema the rest of the project applies: the
// API server's admission of a custom resource (detect unknown fields, prune, default, validate
// with the CEL rules) and the facts other layers read (list types for server-side apply, printer
// columns, names). The vendored CRDs (bundled.ts), a file given to `lint --crd` and the CRD read
// from a cluster all become one of these.
import { checkRules } from './rules.ts';
import {
  applyDefaults,
  isBlocking,
  listInfo,
  type ListInfo,
  type PathSegment,
  prune,
  type SchemaError,
  schemaAt,
  type UnknownField,
  unknownFields,
  validateValue,
} from './structural.ts';
import type { CrdVersion, CustomResourceDefinition, PrinterColumnDefinition, Schema } from './types.ts';

/** A file or object that is not a usable CustomResourceDefinition. */
export class CrdError extends Error {
  override name = 'CrdError';
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks the shape the project relies on; `source` names the file or cluster in the message. */
export function asCrd(value: unknown, source: string): CustomResourceDefinition {
  if (!isObject(value) || value.kind !== 'CustomResourceDefinition') {
    const kind = isObject(value) && typeof value.kind === 'string' ? `a ${value.kind}` : 'not a Kubernetes object';
    throw new CrdError(`${source} is ${kind}, not a CustomResourceDefinition`);
  }
  if (value.apiVersion !== 'apiextensions.k8s.io/v1') {
    throw new CrdError(`${source}: apiVersion ${String(value.apiVersion)} is not apiextensions.k8s.io/v1`);
  }
  const spec = value.spec;
  if (!isObject(spec) || typeof spec.group !== 'string' || !isObject(spec.names) || !Array.isArray(spec.versions)) {
    throw new CrdError(`${source}: the CustomResourceDefinition has no spec.group, spec.names or spec.versions`);
  }
  return value as unknown as CustomResourceDefinition;
}

/** The message the API server adds when type or enum errors keep it from running the CEL rules. */
export const RULES_NOT_CHECKED =
  'some validation rules were not checked because the object was invalid; correct the existing errors to ' +
  'complete validation';

export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

export interface Admission {
  /** The object as it would be stored: pruned and defaulted. */
  object: Record<string, unknown>;
  /** Fields the schema does not declare (`spec.stages[0].clusterSelctor`), dropped from `object`. */
  unknownFields: string[];
  errors: SchemaError[];
}

export class ResourceSchema {
  readonly version: CrdVersion;
  readonly root: Schema;

  constructor(
    readonly crd: CustomResourceDefinition,
    versionName?: string,
  ) {
    const versions = crd.spec.versions;
    const version =
      versionName === undefined
        ? (versions.find((v) => v.storage) ?? versions[0])
        : versions.find((v) => v.name === versionName);
    if (version === undefined) throw new CrdError(`${crd.metadata.name} serves no version ${versionName ?? ''}`.trim());
    const root = version.schema?.openAPIV3Schema;
    if (root === undefined) throw new CrdError(`${crd.metadata.name} ${version.name} has no openAPIV3Schema`);
    this.version = version;
    this.root = root;
  }

  get group(): string {
    return this.crd.spec.group;
  }
  get kind(): string {
    return this.crd.spec.names.kind;
  }
  get plural(): string {
    return this.crd.spec.names.plural;
  }
  get apiVersion(): string {
    return `${this.group}/${this.version.name}`;
  }
  get namespaced(): boolean {
    return this.crd.spec.scope === 'Namespaced';
  }
  get statusSubresource(): boolean {
    return this.version.subresources?.status !== undefined;
  }
  /** The CRD's printer columns; a CRD without any gets the API server's default, Age. */
  get printerColumns(): PrinterColumnDefinition[] {
    const declared = this.version.additionalPrinterColumns;
    if (declared !== undefined && declared.length > 0) return declared;
    return [
      {
        name: 'Age',
        type: 'date',
        jsonPath: '.metadata.creationTimestamp',
        description:
          'CreationTimestamp is a timestamp representing the server time when this object was created. ' +
          'It is not guaranteed to be set in happens-before order across separate operations. ' +
          'Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\n' +
          'Populated by the system. Read-only. Null for lists. ' +
          'More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
      },
    ];
  }

  /** The schema of a field: `at(['spec', 'stages', 0, 'trigger'])`. */
  at(path: readonly PathSegment[]): Schema | undefined {
    return schemaAt(this.root, path);
  }

  /** How server-side apply merges the list at `path` (atomic when the schema does not say). */
  listAt(path: readonly PathSegment[]): ListInfo {
    return listInfo(this.at(path));
  }

  /** Schema and CEL errors of an object as stored (already pruned and defaulted). */
  validate(obj: unknown, old?: unknown): SchemaError[] {
    // kube-apiserver checks list-map keys and sets after the rest of the schema, then the rules.
    const all = validateValue(obj, this.root);
    const errors = [...all.filter((e) => e.type !== 'Duplicate'), ...all.filter((e) => e.type === 'Duplicate')];
    if (errors.some(isBlocking)) {
      return [...errors, { type: 'Invalid', path: [], field: '', value: null, detail: RULES_NOT_CHECKED }];
    }
    return [...errors, ...checkRules(obj, this.root, old)];
  }

  /** What the API server does with an incoming object before storing it; `obj` is not changed. */
  admit(obj: unknown, old?: unknown): Admission {
    const object = structuredClone(obj) as Record<string, unknown>;
    const dropped = prune(object, this.root, { root: true });
    applyDefaults(object, this.root);
    return { object, unknownFields: dropped, errors: this.validate(object, old) };
  }

  /** Drops what the schema does not declare, in place (the engine's durable status, for one). */
  prune(obj: unknown): string[] {
    return prune(obj, this.root, { root: true });
  }

  unknownFields(obj: unknown): UnknownField[] {
    return unknownFields(obj, this.root, { root: true });
  }

  applyDefaults(obj: unknown): void {
    applyDefaults(obj, this.root);
  }
}
