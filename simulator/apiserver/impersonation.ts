// Impersonation as kube-apiserver's filter does it (`kubectl --as`, `--as-group`): the Impersonate-*
// headers turn the request into one of another user, once the requester is allowed the verb
// `impersonate` on each thing it asks to be (users, groups, serviceaccounts, uids, userextras). The
// user it becomes holds what the stored bindings grant that user and those groups, nothing of the
// requester's: an admin rehearsing "what may bob do" gets bob's answer, not its own.
import type { IncomingMessage } from 'node:http';
import { ApiError } from './errors.ts';
import { AUTHENTICATED, authorize, type Attributes, denial, type Identity } from './rbac.ts';

const SERVICE_ACCOUNT = /^system:serviceaccount:([^:]+):([^:]+)$/;
const EXTRA_PREFIX = 'impersonate-extra-';

/**
 * The identity the request acts as: `requester` itself without Impersonate-* headers, else the
 * impersonated user with the grants `grantsOf` finds for it. Throws the apiserver's 403 when the
 * requester may not impersonate what it asked for.
 */
export function impersonated(
  req: IncomingMessage,
  requester: Identity,
  grantsOf: (user: string, groups: readonly string[]) => Identity['grants'],
): Identity {
  const headers = req.headersDistinct;
  const user = headers['impersonate-user']?.[0];
  const groups = headers['impersonate-group'] ?? [];
  const uid = headers['impersonate-uid']?.[0];
  const extras = Object.entries(headers).flatMap(([k, v]) =>
    k.startsWith(EXTRA_PREFIX) && v !== undefined ? [[k, v] as const] : [],
  );
  if (user === undefined) {
    if (groups.length === 0 && uid === undefined && extras.length === 0) return requester;
    // The apiserver answers this one as an internal error, in these words.
    const asked = [
      ...groups.map((g) => `{Group  ${g}  }`),
      ...(uid === undefined ? [] : [`{UID  ${uid}  }`]),
      ...extras.map(([k, v]) => `{UserExtra  ${k.slice(EXTRA_PREFIX.length)} ${v.join(',')} }`),
    ];
    throw new ApiError(
      500,
      'InternalError',
      `Internal error occurred: requested [${asked.join(' ')}] without impersonating a user`,
    );
  }

  const checks: Attributes[] = [];
  const sa = SERVICE_ACCOUNT.exec(user);
  checks.push(
    sa
      ? { verb: 'impersonate', group: '', resource: 'serviceaccounts', namespace: sa[1], name: sa[2] }
      : { verb: 'impersonate', group: '', resource: 'users', name: user },
  );
  for (const g of groups) checks.push({ verb: 'impersonate', group: '', resource: 'groups', name: g });
  if (uid !== undefined)
    checks.push({ verb: 'impersonate', group: 'authentication.k8s.io', resource: 'uids', name: uid });
  for (const [key, values] of extras)
    for (const v of values)
      checks.push({
        verb: 'impersonate',
        group: 'authentication.k8s.io',
        resource: 'userextras',
        subresource: decodeURIComponent(key.slice(EXTRA_PREFIX.length)),
        name: v,
      });
  for (const a of checks) if (!authorize(requester, a).allowed) throw denial(requester.user, a);

  // As the filter completes them: every user but anonymous is authenticated; a ServiceAccount is in
  // its namespace's and all ServiceAccounts' groups.
  const all = [...groups];
  if (sa) all.push('system:serviceaccounts', `system:serviceaccounts:${sa[1]}`);
  if (user !== 'system:anonymous' && !all.includes(AUTHENTICATED)) all.push(AUTHENTICATED);
  return { user, groups: all, grants: grantsOf(user, all) };
}
