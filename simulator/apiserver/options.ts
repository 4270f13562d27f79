// The options of a request as kube-apiserver decodes them: boolean query parameters, `dryRun`,
// and DeleteOptions, which may come in the body (kubectl sends them there) or in the query.
// Invalid options get the 422 the real server sends, naming the options kind (`CreateOptions`,
// `DeleteOptions`, ...) in group meta.k8s.io.
import { ApiError, badRequest } from './errors.ts';

export type OptionsKind = 'CreateOptions' | 'UpdateOptions' | 'PatchOptions' | 'DeleteOptions';

export type PropagationPolicy = 'Background' | 'Foreground' | 'Orphan';

export interface DecodedDeleteOptions {
  preconditions?: { uid?: string; resourceVersion?: string };
  propagationPolicy?: PropagationPolicy;
  dryRun: boolean;
}

/**
 * A boolean query parameter the way the apiserver's parameter codec reads it: absent, `0` and
 * `false` in any case are false; anything else, `True`, `t` and an empty value included, is true.
 * (The Python client sends `watch=True`.) Only the first occurrence counts.
 */
export function queryFlag(query: URLSearchParams, name: string): boolean {
  const value = query.get(name);
  if (value === null) return false;
  return value !== '0' && value.toLowerCase() !== 'false';
}

/** Go's %#v of a []string, as field errors print a slice value. */
function goStringSlice(values: readonly string[]): string {
  return `[]string{${values.map((v) => JSON.stringify(v)).join(', ')}}`;
}

/** One NotSupported field error of an options object, as a 422 Invalid Status. */
function unsupportedOption(kind: OptionsKind, field: string, shown: string, supported: string[]): ApiError {
  const message = `Unsupported value: ${shown}: supported values: ${supported.map((s) => `"${s}"`).join(', ')}`;
  return new ApiError(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: ${field}: ${message}`, {
    group: 'meta.k8s.io',
    kind,
    causes: [{ reason: 'FieldValueNotSupported', message, field }],
  });
}

/** `dryRun` values: none (a real write) or `All`; anything else is refused before the write. */
export function dryRunOf(values: readonly string[], kind: OptionsKind): boolean {
  if (values.some((v) => v !== 'All')) throw unsupportedOption(kind, 'dryRun', goStringSlice(values), ['All']);
  return values.length > 0;
}

function stringList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
    throw badRequest('json: cannot unmarshal into Go struct field DeleteOptions.dryRun of type []string');
  }
  return value as string[];
}

/**
 * DeleteOptions from the body when there is one (the query is then not read, as in kube-apiserver),
 * from the query otherwise.
 */
export function deleteOptionsOf(body: Buffer, query: URLSearchParams): DecodedDeleteOptions {
  let policy: string | undefined;
  let orphan: boolean | undefined;
  let dryRun: string[];
  let preconditions: DecodedDeleteOptions['preconditions'];
  if (body.length > 0) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch (err) {
      throw badRequest(`the body of the request could not be decoded: ${(err as Error).message}`);
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw badRequest('the body of the request must be a DeleteOptions object');
    }
    const options = parsed as Record<string, unknown>;
    policy = typeof options.propagationPolicy === 'string' ? options.propagationPolicy : undefined;
    orphan = typeof options.orphanDependents === 'boolean' ? options.orphanDependents : undefined;
    dryRun = stringList(options.dryRun);
    const pre = options.preconditions;
    if (pre !== null && typeof pre === 'object') preconditions = pre as DecodedDeleteOptions['preconditions'];
  } else {
    policy = query.get('propagationPolicy') ?? undefined;
    orphan = query.has('orphanDependents') ? queryFlag(query, 'orphanDependents') : undefined;
    dryRun = query.getAll('dryRun');
  }
  if (policy !== undefined && orphan !== undefined) {
    const message = `Invalid value: "${policy}": orphanDependents and deletionPropagation cannot be both set`;
    throw new ApiError(422, 'Invalid', `DeleteOptions.meta.k8s.io "" is invalid: propagationPolicy: ${message}`, {
      group: 'meta.k8s.io',
      kind: 'DeleteOptions',
      causes: [{ reason: 'FieldValueInvalid', message, field: 'propagationPolicy' }],
    });
  }
  if (policy !== undefined && policy !== 'Background' && policy !== 'Foreground' && policy !== 'Orphan') {
    throw unsupportedOption('DeleteOptions', 'propagationPolicy', JSON.stringify(policy), [
      'Foreground',
      'Background',
      'Orphan',
      'nil',
    ]);
  }
  const dry = dryRunOf(dryRun, 'DeleteOptions');
  const propagationPolicy: PropagationPolicy | undefined =
    policy !== undefined ? (policy as PropagationPolicy) : orphan === true ? 'Orphan' : undefined;
  return {
    ...(preconditions ? { preconditions } : {}),
    ...(propagationPolicy ? { propagationPolicy } : {}),
    dryRun: dry,
  };
}

const FIELD_MANAGER_MAX_LENGTH = 128;

/** The 422 kube-apiserver answers for invalid options of a write (`PatchOptions.meta.k8s.io "" is invalid: ...`). */
function invalidOption(kind: OptionsKind, field: string, reason: string, message: string): ApiError {
  return new ApiError(422, 'Invalid', `${kind}.meta.k8s.io "" is invalid: ${field}: ${message}`, {
    group: 'meta.k8s.io',
    kind,
    causes: [{ reason, message, field }],
  });
}

/**
 * The field manager of a write: the `fieldManager` parameter, else (not for an apply, which must
 * name one) the User-Agent up to its first `/`, printable characters only, as kube-apiserver
 * derives it (kubectl 1.32 names its own: `kubectl-edit`, `kubectl-patch`, `kubectl-client-side-apply`).
 */
export function fieldManagerOf(
  query: URLSearchParams,
  userAgent: string | undefined,
  kind: Exclude<OptionsKind, 'DeleteOptions'>,
  apply = false,
): string | undefined {
  const given = query.get('fieldManager') ?? '';
  if (given === '') {
    if (apply) {
      throw invalidOption(kind, 'fieldManager', 'FieldValueRequired', 'Required value: is required for apply patch');
    }
    let fromAgent = '';
    for (const ch of (userAgent ?? '').split('/')[0]!) {
      if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]$/u.test(ch)) continue;
      if (fromAgent.length + ch.length > FIELD_MANAGER_MAX_LENGTH) break;
      fromAgent += ch;
    }
    return fromAgent === '' ? undefined : fromAgent;
  }
  if ([...given].length > FIELD_MANAGER_MAX_LENGTH) {
    throw invalidOption(
      kind,
      'fieldManager',
      'FieldValueTooLong',
      `Too long: may not be more than ${FIELD_MANAGER_MAX_LENGTH} bytes`,
    );
  }
  if (!/^[\p{L}\p{M}\p{N}\p{P}\p{S} ]*$/u.test(given)) {
    throw invalidOption(
      kind,
      'fieldManager',
      'FieldValueInvalid',
      `Invalid value: ${JSON.stringify(given)}: must only contain printable characters`,
    );
  }
  return given;
}

/** `force`: only an apply may take other managers' fields. */
export function forceOf(query: URLSearchParams, apply: boolean): boolean {
  if (!query.has('force')) return false;
  if (!apply) {
    throw invalidOption(
      'PatchOptions',
      'force',
      'FieldValueForbidden',
      'Forbidden: may not be specified for non-apply patch',
    );
  }
  return queryFlag(query, 'force');
}
