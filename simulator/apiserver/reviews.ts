// The self reviews a user asks the apiserver about themself: SelfSubjectAccessReview (`kubectl auth
// can-i VERB RESOURCE`), SelfSubjectRulesReview (`kubectl auth can-i --list`) and SelfSubjectReview
// (`kubectl auth whoami`). They are created, answered and never stored. kubectl sends them as
// protobuf, as Go clients send every built-in kind, so that is read here beside JSON and YAML.
import { parse as parseYaml } from 'yaml';
import { badRequest } from './errors.ts';
import { bytesField, KUBERNETES_PROTOBUF, readEnvelope, readFields, stringField } from './protobuf.ts';
import { type Attributes, authorize, type Identity, type PolicyRule, rulesIn } from './rbac.ts';

/** A create-only kind served under `group/version` as `plural`, listed in discovery. */
export interface ReviewKind {
  group: string;
  version: string;
  plural: string;
  kind: string;
  answer(identity: Identity, review: Review): Record<string, unknown>;
  /** The review's spec from its protobuf message (the `raw` of the envelope). */
  fromProtobuf(raw: Buffer): Review;
}

export interface Review {
  spec?: Record<string, unknown>;
}

const AUTHORIZATION = 'authorization.k8s.io';
const AUTHENTICATION = 'authentication.k8s.io';

function strings(fields: ReturnType<typeof readFields>, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  names.forEach((name, i) => {
    const value = stringField(fields, i + 1);
    if (value !== undefined && value !== '') out[name] = value;
  });
  return out;
}

/** The message's spec (field 2 of every review kind). */
function specFields(raw: Buffer): ReturnType<typeof readFields> {
  return readFields(bytesField(readFields(raw), 2) ?? Buffer.alloc(0));
}

function answerOf(kind: string, group: string, review: Review, status: Record<string, unknown>) {
  return {
    kind,
    apiVersion: `${group}/v1`,
    metadata: { creationTimestamp: null },
    spec: review.spec ?? {},
    status,
  };
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function accessAttributes(spec: Record<string, unknown>): Attributes {
  const ra = spec.resourceAttributes as Record<string, unknown> | undefined;
  const nra = spec.nonResourceAttributes as Record<string, unknown> | undefined;
  if (ra !== undefined && ra !== null) {
    return {
      verb: text(ra.verb),
      group: text(ra.group),
      resource: text(ra.resource),
      subresource: text(ra.subresource) || undefined,
      name: text(ra.name) || undefined,
      namespace: text(ra.namespace) || undefined,
    };
  }
  if (nra !== undefined && nra !== null) return { verb: text(nra.verb), path: text(nra.path) };
  // The apiserver's validation message for a review with neither.
  throw invalidReview(
    'SelfSubjectAccessReview',
    'spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes ' +
      'must be specified',
  );
}

function invalidReview(kind: string, detail: string) {
  return badRequest(`${kind}.${AUTHORIZATION} "" is invalid: ${detail}`);
}

const ACCESS_REVIEW: ReviewKind = {
  group: AUTHORIZATION,
  version: 'v1',
  plural: 'selfsubjectaccessreviews',
  kind: 'SelfSubjectAccessReview',
  answer(identity, review) {
    const decision = authorize(identity, accessAttributes(review.spec ?? {}));
    return answerOf('SelfSubjectAccessReview', AUTHORIZATION, review, {
      allowed: decision.allowed,
      ...(decision.reason === '' ? {} : { reason: decision.reason }),
    });
  },
  fromProtobuf(raw) {
    const spec = specFields(raw);
    const ra = bytesField(spec, 1);
    const nra = bytesField(spec, 2);
    const out: Record<string, unknown> = {};
    if (ra !== undefined)
      out.resourceAttributes = strings(readFields(ra), [
        'namespace',
        'verb',
        'group',
        'version',
        'resource',
        'subresource',
        'name',
      ]);
    if (nra !== undefined) out.nonResourceAttributes = strings(readFields(nra), ['path', 'verb']);
    return { spec: out };
  },
};

function resourceRule(r: PolicyRule): Record<string, unknown> {
  return {
    verbs: r.verbs,
    apiGroups: r.apiGroups ?? [],
    resources: r.resources ?? [],
    ...(r.resourceNames && r.resourceNames.length > 0 ? { resourceNames: r.resourceNames } : {}),
  };
}

const RULES_REVIEW: ReviewKind = {
  group: AUTHORIZATION,
  version: 'v1',
  plural: 'selfsubjectrulesreviews',
  kind: 'SelfSubjectRulesReview',
  answer(identity, review) {
    const namespace = text(review.spec?.namespace);
    if (namespace === '') throw badRequest('no namespace on request');
    const rules = rulesIn(identity, namespace);
    return answerOf('SelfSubjectRulesReview', AUTHORIZATION, review, {
      resourceRules: rules.filter((r) => (r.resources ?? []).length > 0).map(resourceRule),
      nonResourceRules: rules
        .filter((r) => (r.nonResourceURLs ?? []).length > 0)
        .map((r) => ({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs })),
      incomplete: false,
    });
  },
  fromProtobuf(raw) {
    return { spec: strings(specFields(raw), ['namespace']) };
  },
};

const WHOAMI: ReviewKind = {
  group: AUTHENTICATION,
  version: 'v1',
  plural: 'selfsubjectreviews',
  kind: 'SelfSubjectReview',
  answer(identity) {
    return {
      kind: 'SelfSubjectReview',
      apiVersion: `${AUTHENTICATION}/v1`,
      metadata: { creationTimestamp: null },
      status: { userInfo: { username: identity.user, groups: identity.groups } },
    };
  },
  fromProtobuf() {
    return {};
  },
};

export const REVIEW_KINDS: readonly ReviewKind[] = [ACCESS_REVIEW, RULES_REVIEW, WHOAMI];

export function findReview(group: string, version: string, plural: string): ReviewKind | undefined {
  return REVIEW_KINDS.find((k) => k.group === group && k.version === version && k.plural === plural);
}

/** The review in a request body, as JSON, YAML or Kubernetes protobuf (by its Content-Type). */
export function readReview(kind: ReviewKind, body: Buffer, contentType: string | undefined): Review {
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === KUBERNETES_PROTOBUF) {
    const envelope = readEnvelope(body);
    if (envelope.kind !== '' && envelope.kind !== kind.kind) {
      throw badRequest(`the body of the request is a ${envelope.kind}, not a ${kind.kind}`);
    }
    return kind.fromProtobuf(envelope.raw);
  }
  let parsed: unknown;
  try {
    parsed = /yaml/.test(type) ? parseYaml(body.toString('utf8')) : JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw badRequest(`the body of the request could not be decoded: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest('the body of the request must be a JSON object');
  }
  const spec = (parsed as { spec?: unknown }).spec;
  return spec !== null && typeof spec === 'object' && !Array.isArray(spec)
    ? { spec: spec as Record<string, unknown> }
    : {};
}
