// The store behind a Kubernetes API endpoint: HTTPS on loopback, bearer-token authentication,
// discovery, and the REST verbs kubectl and @kubernetes/client-node use, with the status codes,
// Status bodies, Table rendering and chunked watch streams (watch-stream.ts) of kube-apiserver.
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer } from 'node:https';
import type { Server } from 'node:https';
import type { Socket } from 'node:net';
import { parse as parseYaml } from 'yaml';
import { formatRehearsalClock, REHEARSAL_CLOCK_HEADER, type RehearsalClock } from '../../src/rehearsal-clock.ts';
import type { KubeObject } from '../../src/api/types.ts';
import { makeServingCertificate } from './certificate.ts';
import type { ServingCertificate } from './certificate.ts';
import {
  aggregatedDiscovery,
  coreVersions,
  groupDocument,
  groupList,
  resourceList,
  SERVER_VERSION,
} from './discovery.ts';
import {
  ApiError,
  badRequest,
  forbidden,
  methodNotAllowed,
  notAcceptable,
  pathNotFound,
  unauthorized,
  unsupportedMediaType,
} from './errors.ts';
import { Faults } from './faults.ts';
import { negotiate, parseAccept } from './media.ts';
import { deleteOptionsOf, dryRunOf, fieldManagerOf, forceOf, queryFlag } from './options.ts';
import { fieldValidationOf, warningHeaders } from './admission.ts';
import { duplicateFields } from './json-duplicates.ts';
import { openApiV3Index, openApiV3Json } from './openapi-v3.ts';
import {
  AUTHENTICATED,
  type Attributes,
  authorize,
  denial,
  type Grant,
  type Identity,
  type PolicyRule,
} from './rbac.ts';
import { storedGrants } from './rbac-store.ts';
import { impersonated } from './impersonation.ts';
import { escalationGuard } from './rbac-escalation.ts';
import { KUBERNETES_PROTOBUF } from './protobuf.ts';
import { objectFromProtobuf } from './protobuf-objects.ts';
import { findReview, readReview } from './reviews.ts';
import { OPENAPI_V2_PROTOBUF, openApiV2Json, openApiV2Protobuf } from './openapi.ts';
import type { Rendering } from './media.ts';
import { PATCH_CONTENT_TYPES, patchTypeOf } from './patch.ts';
import type { ResourceDef } from './resources.ts';
import { apiVersionOf, findResource } from './resources.ts';
import type { ObjectStore, WriteOptions } from './store.ts';
import type { IncludeObject } from './table.ts';
import { encodeTable } from './table.ts';
import { encodeList, encodeObject } from './wire.ts';
import { type OpenWatch, serveWatchStream } from './watch-stream.ts';
import type { ListMeta } from './wire.ts';

export interface ApiServerOptions {
  store: ObjectStore;
  /** Loopback by default; the certificate names this address. */
  address?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  /** The bearer token every request must carry; random when not given. */
  token?: string;
  /** A second token that may read but not write (writes get 403 Forbidden). */
  readOnlyToken?: string;
  /** Tokens held to RBAC rules (simulate --serve --rbac): what their grants do not allow gets 403 Forbidden. */
  restricted?: RestrictedIdentity[];
  /** How often a watch that allows bookmarks gets one; kube-apiserver sends about one a minute. */
  bookmarkIntervalMs?: number;
  /** Reuse a certificate (e.g. across a restart of the process); made at start otherwise. */
  certificate?: ServingCertificate;
  /** Called with `METHOD URL STATUS` when each response is complete (watches: when they end). */
  log?: (line: string) => void;
  /** A rehearsal's flowing clock, sent with every answer (src/rehearsal-clock.ts). */
  clock?: () => RehearsalClock;
}

export interface ApiServer {
  /** `https://127.0.0.1:PORT` */
  readonly url: string;
  readonly address: string;
  /** The IP address listened on (`0.0.0.0` or `::`: every interface). */
  readonly boundAddress: string;
  readonly port: number;
  /** PEM of the certificate clients must trust. */
  readonly ca: string;
  readonly token: string;
  readonly store: ObjectStore;
  readonly faults: Faults;
  /** Stops listening and ends every connection and watch. */
  close(): Promise<void>;
}

/** A bearer token and the identity it authenticates as. */
export interface RestrictedIdentity {
  token: string;
  user: string;
  groups: string[];
  /** Rules held whatever the store says, besides what the stored bindings grant (read on every request). */
  grants?: Grant[];
}

/** The rehearsal's own token: in system:masters, as kubeadm's admin kubeconfig is. */
export const ADMIN: Identity = { user: 'kubernetes-admin', groups: ['system:masters', AUTHENTICATED], grants: null };

const VIEWER_RULES: PolicyRule[] = [{ apiGroups: ['*'], resources: ['*'], verbs: ['get', 'list', 'watch'] }];

function viewer(token: string): RestrictedIdentity {
  return {
    token,
    user: 'viewer',
    groups: [AUTHENTICATED],
    grants: [{ rules: VIEWER_RULES, source: 'ClusterRoleBinding "viewer" of ClusterRole "view" to User "viewer"' }],
  };
}

interface ResourceRequest {
  def: ResourceDef;
  namespace: string | undefined;
  name: string | undefined;
  subresource: 'status' | undefined;
  /** A legacy `/watch/` path: a watch whatever the query says (of one object when named). */
  watchPath: boolean;
}

const MAX_BODY_BYTES = 3 * 1024 * 1024;
const JSON_TYPE = 'application/json';

function formatHost(address: string): string {
  return address.includes(':') ? `[${address}]` : address;
}

/**
 * What a resource path names, before anything is looked up (apiserver's RequestInfo): the group,
 * version, namespace, resource, name and subresource as written.
 */
interface RequestInfo {
  group: string;
  version: string;
  namespace: string | undefined;
  plural: string | undefined;
  name: string | undefined;
  subresource: string | undefined;
  /** Segments past the subresource: no resource has such a path. */
  extra: string[];
  /** A legacy `/watch/` path: a watch whatever the query says (of one object when named). */
  watchPath: boolean;
}

function requestInfo(segments: string[]): RequestInfo {
  const core = segments[0] === 'api';
  const group = core ? '' : segments[1]!;
  const version = core ? segments[1]! : segments[2]!;
  let rest = segments.slice(core ? 2 : 3);
  // Legacy watch paths (`/apis/G/V/watch/...`), deprecated but still served; kubeclient uses them.
  const watchPath = rest[0] === 'watch';
  if (watchPath) rest = rest.slice(1);
  let namespace: string | undefined;
  if (rest[0] === 'namespaces' && rest.length >= 3 && rest[2] !== 'status' && rest[2] !== 'finalize') {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [plural, name, subresource, ...extra] = rest;
  return { group, version, namespace, plural, name, subresource, extra, watchPath };
}

/** The resource the path names, or 404 (after authorization: see handle). */
function resolve(info: RequestInfo): ResourceRequest {
  const { group, version, plural, namespace, name, subresource, watchPath } = info;
  const def = plural === undefined ? undefined : findResource(group, version, plural);
  if (def === undefined || info.extra.length > 0) throw pathNotFound();
  if (namespace !== undefined && !def.namespaced) throw pathNotFound();
  if (subresource !== undefined && (subresource !== 'status' || !def.statusSubresource || watchPath)) {
    throw pathNotFound();
  }
  return { def, namespace, name, subresource: subresource as 'status' | undefined, watchPath };
}

function verbOf(method: string, r: { name: string | undefined }, watch: boolean): string {
  switch (method) {
    case 'GET':
      return watch ? 'watch' : r.name === undefined ? 'list' : 'get';
    case 'POST':
      return 'create';
    case 'PUT':
      return 'update';
    case 'PATCH':
      return 'patch';
    case 'DELETE':
      return r.name === undefined ? 'deletecollection' : 'delete';
    default:
      return method.toLowerCase();
  }
}

class ServedApi implements ApiServer {
  readonly faults: Faults;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly watches = new Set<OpenWatch>();
  private listening = false;
  private closed = false;
  port = 0;
  /** The IP address the server listens on once listening (`0.0.0.0` or `::` for every interface). */
  boundAddress = '';

  constructor(
    readonly store: ObjectStore,
    readonly address: string,
    private readonly certificate: ServingCertificate,
    readonly token: string,
    private readonly identities: RestrictedIdentity[],
    private readonly bookmarkIntervalMs: number,
    private readonly log: ((line: string) => void) | undefined,
    private readonly clock: (() => RehearsalClock) | undefined,
  ) {
    this.server = createServer({ cert: certificate.cert, key: certificate.key }, (req, res) => {
      // The Date header tells clients the server's time, as a real API server's does; here it is
      // the store's clock, which in a rehearsal is the virtual one.
      res.sendDate = false;
      res.setHeader('Date', store.now().toUTCString());
      if (this.clock) res.setHeader(REHEARSAL_CLOCK_HEADER, formatRehearsalClock(this.clock()));
      void this.handle(req, res);
    });
    this.server.on('connection', (socket: Socket) => {
      socket.setNoDelay(true);
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
    });
    // A client that drops the TLS handshake is not the server's failure.
    this.server.on('tlsClientError', () => undefined);
    this.faults = new Faults({
      dropWatches: () => this.dropWatches(),
      stopListening: () => this.stopListening(),
      startListening: () => this.listen(this.port),
      forgetWatchHistory: () => this.store.compactHistory(),
    });
  }

  get url(): string {
    return `https://${formatHost(this.address)}:${this.port}`;
  }

  get ca(): string {
    return this.certificate.cert;
  }

  async listen(port: number): Promise<void> {
    if (this.listening || this.closed) return;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, this.address, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    this.listening = true;
    const bound = this.server.address();
    if (bound !== null && typeof bound === 'object') {
      this.port = bound.port;
      this.boundAddress = bound.address;
    }
  }

  async stopListening(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const socket of this.sockets) socket.destroy();
    await closed;
  }

  async close(): Promise<void> {
    this.faults.dispose();
    this.dropWatches();
    await this.stopListening();
    this.closed = true;
  }

  private dropWatches(): number {
    const open = [...this.watches];
    for (const w of open) w.end();
    return open.length;
  }

  // ---- request handling -----------------------------------------------------------------------

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const log = this.log;
    if (log !== undefined) res.once('close', () => log(`${req.method} ${req.url} ${res.statusCode}`));
    try {
      const identity = this.authenticate(req);
      const url = new URL(req.url ?? '/', 'https://server');
      const segments = url.pathname
        .split('/')
        .filter((s) => s !== '')
        .map(decodeURIComponent);
      const method = req.method ?? 'GET';
      if (segments[0] === 'admin' && segments[1] === 'faults') {
        await this.serveAdmin(req, res, identity, method, segments[2], url.searchParams);
        return;
      }
      // As the apiserver's request info tells them apart: /api/v1/... and /apis/G/V/... name resources.
      const resourcePath =
        (segments[0] === 'api' && segments.length >= 3) || (segments[0] === 'apis' && segments.length >= 4);
      if (!resourcePath) {
        const path: Attributes = { verb: method.toLowerCase(), path: url.pathname };
        if (!authorize(identity, path).allowed) throw denial(identity.user, path);
        if (await this.serveDiscovery(req, res, method, segments)) return;
        throw pathNotFound();
      }
      const review = segments.length === 4 ? findReview(segments[1]!, segments[2]!, segments[3]!) : undefined;
      if (review !== undefined) {
        const attributes: Attributes = { verb: verbOfReview(method), group: review.group, resource: review.plural };
        if (!authorize(identity, attributes).allowed) throw denial(identity.user, attributes);
        if (method !== 'POST') throw methodNotAllowed();
        const body = readReview(review, await readBody(req), req.headers['content-type']);
        this.send(res, 201, JSON.stringify(review.answer(identity, body)));
        return;
      }
      // Authorized before the resource is looked up, as kube-apiserver's filters do: a user the
      // rules do not allow learns nothing of which resources exist (403, never 404).
      const info = requestInfo(segments);
      const watch = method === 'GET' && (info.watchPath || queryFlag(url.searchParams, 'watch'));
      const verb = verbOf(method, info, watch);
      const attributes: Attributes = {
        verb,
        group: info.group,
        resource: info.plural ?? '',
        subresource: info.subresource,
        // A list or watch of one name by field selector is a request for that name, as RBAC's resourceNames see it.
        name:
          info.name ??
          (verb === 'list' || verb === 'watch' ? selectedName(url.searchParams.get('fieldSelector')) : undefined),
        namespace: info.namespace,
      };
      if (!authorize(identity, attributes).allowed) throw denial(identity.user, attributes);
      const resource = resolve(info);
      const guard = escalationGuard(this.store, identity, resource.def, info);
      await this.serveResource(req, res, method, resource, watch, url.searchParams, guard);
    } catch (err) {
      this.sendError(res, err);
    }
  }

  /** Who the request is: its token's identity, or whom it impersonates (`kubectl --as`). */
  private authenticate(req: IncomingMessage): Identity {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '');
    let requester: Identity | undefined;
    if (m !== null) {
      if (sameSecret(m[1]!, this.token)) requester = ADMIN;
      const found = this.identities.find((i) => sameSecret(m[1]!, i.token));
      if (found !== undefined) {
        const { user, groups } = found;
        requester = { user, groups, grants: [...(found.grants ?? []), ...storedGrants(this.store, user, groups)] };
      }
    }
    if (requester === undefined) throw unauthorized();
    return impersonated(req, requester, (user, groups) => storedGrants(this.store, user, groups));
  }

  private async serveAdmin(
    req: IncomingMessage,
    res: ServerResponse,
    identity: Identity,
    method: string,
    action: string | undefined,
    query: URLSearchParams,
  ): Promise<void> {
    if (identity.grants !== null) throw forbidden('forbidden: faults need the admin token');
    await readBody(req);
    let answer: ReturnType<typeof this.faults.handleAdmin>;
    try {
      answer = this.faults.handleAdmin(method, action, query);
    } catch (err) {
      if (err instanceof RangeError) throw badRequest(err.message);
      throw err;
    }
    const after = answer.after;
    if (after !== undefined) {
      // The fault may cut this very connection, so it starts only once the answer is out.
      res.once('finish', () => setImmediate(() => void after().catch(() => undefined)));
    }
    this.send(res, answer.code, JSON.stringify(answer.body));
  }

  /** The discovery endpoints; false when the path is not one of them. */
  private async serveDiscovery(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    segments: string[],
  ): Promise<boolean> {
    const path = segments.join('/');
    const body = (doc: object | undefined, special: 'discovery' | 'none', core = false): boolean => {
      if (method !== 'GET') throw methodNotAllowed();
      if (doc === undefined) throw pathNotFound();
      const rendering = negotiate(req.headers.accept, special);
      if (rendering === null) throw notAcceptable();
      if (rendering.kind === 'discovery') {
        this.send(res, 200, JSON.stringify(aggregatedDiscovery(core, rendering.version)), rendering.contentType);
      } else {
        this.send(res, 200, JSON.stringify(doc));
      }
      return true;
    };
    if (path === 'version') return body(SERVER_VERSION, 'none');
    if (path === 'healthz' || path === 'livez' || path === 'readyz') {
      this.send(res, 200, 'ok', 'text/plain; charset=utf-8');
      return true;
    }
    if (path === 'openapi/v2') {
      if (method !== 'GET') throw methodNotAllowed();
      const wantsProtobuf = parseAccept(req.headers.accept).some((m) => m.type === OPENAPI_V2_PROTOBUF);
      // Go clients reject the `@` of the requested type in a Content-Type, so the bytes go untyped.
      if (wantsProtobuf) this.send(res, 200, openApiV2Protobuf(), 'application/octet-stream');
      else this.send(res, 200, openApiV2Json());
      return true;
    }
    if (path === 'openapi/v3') {
      if (method !== 'GET') throw methodNotAllowed();
      this.send(res, 200, JSON.stringify(openApiV3Index()));
      return true;
    }
    if (segments[0] === 'openapi' && segments[1] === 'v3' && segments.length >= 4) {
      if (method !== 'GET') throw methodNotAllowed();
      const [group, version] = segments[2] === 'api' ? ['', segments[3]!] : [segments[3]!, segments[4] ?? ''];
      const doc = openApiV3Json(group, version);
      if (doc === undefined) throw pathNotFound();
      this.send(res, 200, doc.text);
      return true;
    }
    if (path === 'api') return body(coreVersions(`${formatHost(this.address)}:${this.port}`), 'discovery', true);
    if (path === 'api/v1') return body(resourceList('', 'v1'), 'none');
    if (path === 'apis') return body(groupList(), 'discovery');
    if (segments[0] === 'apis' && segments.length === 2) return body(groupDocument(segments[1]!), 'none');
    if (segments[0] === 'apis' && segments.length === 3) return body(resourceList(segments[1]!, segments[2]!), 'none');
    return false;
  }

  private async serveResource(
    req: IncomingMessage,
    res: ServerResponse,
    method: string,
    r: ResourceRequest,
    watch: boolean,
    query: URLSearchParams,
    guard: WriteOptions['guard'],
  ): Promise<void> {
    const { def, namespace, name, subresource } = r;
    if (r.watchPath) {
      if (method !== 'GET') throw methodNotAllowed();
      return this.serveWatch(req, res, r, query);
    }
    if (name === undefined) {
      switch (method) {
        case 'GET':
          if (watch) return this.serveWatch(req, res, r, query);
          return this.serveList(req, res, r, query);
        case 'POST': {
          if (def.namespaced && namespace === undefined) throw methodNotAllowed();
          const dryRun = dryRunOf(query.getAll('dryRun'), 'CreateOptions');
          const fieldValidation = fieldValidationOf(query, 'CreateOptions');
          const fieldManager = fieldManagerOf(query, req.headers['user-agent'], 'CreateOptions');
          const { input, decodingProblems } = await readObject(req);
          const warnings: string[] = [];
          const created = this.store.create(def, input, {
            namespace,
            dryRun,
            fieldValidation,
            warnings,
            decodingProblems,
            fieldManager,
            guard,
          });
          if (warnings.length > 0) res.setHeader('Warning', warningHeaders(warnings));
          return this.sendObject(req, res, def, 201, created);
        }
        case 'DELETE': {
          const options = deleteOptionsOf(await readBody(req), query);
          const targets = this.store.list(def, {
            namespace,
            labelSelector: query.get('labelSelector') ?? undefined,
            fieldSelector: query.get('fieldSelector') ?? undefined,
          });
          const results: KubeObject[] = [];
          for (const obj of targets.items) {
            try {
              results.push(
                this.store.delete(def, obj.metadata.name, { ...options, namespace: obj.metadata.namespace }),
              );
            } catch (err) {
              if (!(err instanceof ApiError && err.code === 404)) throw err;
            }
          }
          return this.send(
            res,
            200,
            encodeList(
              apiVersionOf(def),
              def.listKind,
              { resourceVersion: String(this.store.resourceVersion) },
              results,
            ),
          );
        }
        default:
          throw methodNotAllowed();
      }
    }
    if (def.namespaced && namespace === undefined) throw pathNotFound();
    switch (method) {
      case 'GET':
        return this.sendObject(req, res, def, 200, this.store.get(def, name, namespace));
      case 'PUT': {
        const dryRun = dryRunOf(query.getAll('dryRun'), 'UpdateOptions');
        const fieldValidation = fieldValidationOf(query, 'UpdateOptions');
        const fieldManager = fieldManagerOf(query, req.headers['user-agent'], 'UpdateOptions');
        const warnings: string[] = [];
        const { input, decodingProblems } = await readObject(req);
        if (input.metadata?.name !== undefined && input.metadata.name !== name) {
          throw badRequest(
            `the name of the object (${input.metadata.name}) does not match the name on the URL (${name})`,
          );
        }
        const updated = this.store.update(
          def,
          { ...input, metadata: { ...input.metadata, name } },
          { namespace, subresource, dryRun, fieldValidation, warnings, decodingProblems, fieldManager, guard },
        );
        if (warnings.length > 0) res.setHeader('Warning', warningHeaders(warnings));
        return this.sendObject(req, res, def, 200, updated);
      }
      case 'PATCH': {
        const type = patchTypeOf(req.headers['content-type'] ?? '');
        if (type === undefined) {
          await readBody(req);
          throw unsupportedMediaType(
            def.custom
              ? [PATCH_CONTENT_TYPES.json, PATCH_CONTENT_TYPES.merge, PATCH_CONTENT_TYPES.apply]
              : Object.values(PATCH_CONTENT_TYPES),
          );
        }
        const dryRun = dryRunOf(query.getAll('dryRun'), 'PatchOptions');
        const fieldValidation = fieldValidationOf(query, 'PatchOptions');
        const fieldManager = fieldManagerOf(query, req.headers['user-agent'], 'PatchOptions', type === 'apply');
        const force = forceOf(query, type === 'apply');
        const warnings: string[] = [];
        const raw = (await readBody(req)).toString('utf8');
        let patch: unknown;
        try {
          patch = type === 'apply' ? parseYaml(raw) : JSON.parse(raw);
        } catch (err) {
          throw badRequest(`error decoding patch: ${(err as Error).message}`);
        }
        // Duplicates in a JSON Patch's operations are reported; inside its values they are lost
        // (evanphx/json-patch keeps the last, as kube-apiserver's own field validation tests note).
        const decodingProblems =
          type === 'apply'
            ? []
            : duplicateFields(raw)
                .filter((d) => type !== 'json' || /^\[\d+\]\.[^.[]+$/.test(d))
                .map((d) => `${type === 'json' ? 'json patch ' : ''}duplicate field "${d}"`);
        const existed = this.store.find(def, name, namespace) !== undefined;
        const patched = this.store.patch(def, name, type, patch, {
          namespace,
          subresource,
          dryRun,
          fieldValidation,
          warnings,
          decodingProblems,
          fieldManager,
          force,
          guard,
        });
        if (warnings.length > 0) res.setHeader('Warning', warningHeaders(warnings));
        return this.sendObject(req, res, def, existed ? 200 : 201, patched);
      }
      case 'DELETE': {
        if (subresource !== undefined) throw methodNotAllowed();
        const options = deleteOptionsOf(await readBody(req), query);
        const result = this.store.delete(def, name, { ...options, namespace });
        // 202 when the object is still there, waiting for its finalizers.
        const gone = options.dryRun || this.store.find(def, name, namespace)?.metadata.uid !== result.metadata.uid;
        return this.sendObject(req, res, def, gone ? 200 : 202, result);
      }
      default:
        throw methodNotAllowed();
    }
  }

  private rendering(req: IncomingMessage): Rendering {
    const rendering = negotiate(req.headers.accept, 'table');
    if (rendering === null) throw notAcceptable();
    return rendering;
  }

  private includeObject(query: URLSearchParams): IncludeObject {
    const value = query.get('includeObject') ?? 'Metadata';
    if (value !== 'None' && value !== 'Metadata' && value !== 'Object') {
      throw badRequest(`includeObject: Unsupported value: "${value}": supported values: "None", "Metadata", "Object"`);
    }
    return value;
  }

  private serveList(req: IncomingMessage, res: ServerResponse, r: ResourceRequest, query: URLSearchParams): void {
    const rendering = this.rendering(req);
    const limit = query.get('limit');
    const match = query.get('resourceVersionMatch');
    if (match !== null && match !== 'NotOlderThan' && match !== 'Exact') {
      throw badRequest(`resourceVersionMatch: Unsupported value: "${match}"`);
    }
    const result = this.store.list(r.def, {
      namespace: r.namespace,
      labelSelector: query.get('labelSelector') ?? undefined,
      fieldSelector: query.get('fieldSelector') ?? undefined,
      limit: limit === null ? undefined : Number(limit),
      continue: query.get('continue') ?? undefined,
      resourceVersion: query.get('resourceVersion') ?? undefined,
      resourceVersionMatch: match ?? undefined,
    });
    const meta: ListMeta = { resourceVersion: result.resourceVersion };
    if (result.continue !== undefined) meta.continue = result.continue;
    if (result.remainingItemCount !== undefined) meta.remainingItemCount = result.remainingItemCount;
    if (rendering.kind === 'table') {
      const table = encodeTable(r.def, result.items, meta, {
        now: this.store.now(),
        version: rendering.version,
        includeObject: this.includeObject(query),
      });
      this.send(res, 200, table, rendering.contentType);
      return;
    }
    this.send(res, 200, encodeList(apiVersionOf(r.def), r.def.listKind, meta, result.items));
  }

  private serveWatch(req: IncomingMessage, res: ServerResponse, r: ResourceRequest, query: URLSearchParams): void {
    const rendering = this.rendering(req);
    const includeObject = rendering.kind === 'table' ? this.includeObject(query) : 'Object';
    const fieldSelector = watchFieldSelector(r.name, query.get('fieldSelector') ?? undefined);
    serveWatchStream(res, {
      store: this.store,
      faults: this.faults,
      def: r.def,
      namespace: r.namespace,
      fieldSelector,
      query,
      rendering,
      includeObject,
      bookmarkIntervalMs: this.bookmarkIntervalMs,
      watches: this.watches,
    });
  }

  private sendObject(req: IncomingMessage, res: ServerResponse, def: ResourceDef, code: number, obj: KubeObject): void {
    const rendering = this.rendering(req);
    if (rendering.kind === 'table') {
      const url = new URL(req.url ?? '/', 'https://server');
      const table = encodeTable(
        def,
        [obj],
        { resourceVersion: obj.metadata.resourceVersion ?? '' },
        {
          now: this.store.now(),
          version: rendering.version,
          includeObject: this.includeObject(url.searchParams),
        },
      );
      this.send(res, code, table, rendering.contentType);
      return;
    }
    this.send(res, code, encodeObject(obj));
  }

  private send(res: ServerResponse, code: number, body: string | Buffer, contentType = JSON_TYPE): void {
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(code, {
      'Content-Type': contentType,
      'Content-Length': Buffer.byteLength(body),
      'Cache-Control': 'no-cache, private',
    });
    res.end(body);
  }

  private sendError(res: ServerResponse, err: unknown): void {
    const apiError =
      err instanceof ApiError
        ? err
        : new ApiError(
            500,
            'InternalError',
            `Internal error occurred: ${err instanceof Error ? err.message : String(err)}`,
          );
    if (!(err instanceof ApiError)) console.error(err);
    this.send(res, apiError.code, JSON.stringify(apiError.status));
  }
}

function verbOfReview(method: string): string {
  return method === 'POST' ? 'create' : method === 'GET' || method === 'HEAD' ? 'get' : method.toLowerCase();
}

/** The name an exact `metadata.name` term of a field selector selects, if any. */
function selectedName(fieldSelector: string | null): string | undefined {
  return (fieldSelector ?? '')
    .split(',')
    .map((term) => /^metadata\.name==?(.+)$/.exec(term.trim())?.[1])
    .find((v) => v !== undefined);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A watch of one named object (legacy `/watch/.../NAME` path) selects it by metadata.name, as the apiserver does. */
function watchFieldSelector(name: string | undefined, given: string | undefined): string | undefined {
  if (name === undefined) return given;
  const selectedName = given
    ?.split(',')
    .map((term) => /^metadata\.name==?(.*)$/.exec(term.trim())?.[1])
    .find((v) => v !== undefined);
  if (selectedName !== undefined && selectedName !== name) {
    throw badRequest(`fieldSelector metadata.name doesn't match requested name: "${selectedName}" != "${name}"`);
  }
  return given === undefined || given === '' ? `metadata.name=${name}` : `metadata.name=${name},${given}`;
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) {
      throw new ApiError(413, 'BadRequest', `Request entity too large: limit is ${MAX_BODY_BYTES}`);
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The body as an object, and what strict decoding says of its JSON (duplicate fields). */
async function readObject(req: IncomingMessage): Promise<{ input: KubeObject; decodingProblems: string[] }> {
  const body = await readBody(req);
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type === KUBERNETES_PROTOBUF) {
    return { input: objectFromProtobuf(body, ['application/json', 'application/yaml']), decodingProblems: [] };
  }
  const raw = body.toString('utf8');
  const yaml = /yaml/i.test(req.headers['content-type'] ?? '');
  let parsed: unknown;
  try {
    parsed = yaml ? parseYaml(raw) : JSON.parse(raw);
  } catch (err) {
    throw badRequest(`the body of the request could not be decoded: ${(err as Error).message}`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw badRequest('the body of the request must be a JSON object');
  }
  const decodingProblems = yaml ? [] : duplicateFields(raw).map((d) => `duplicate field "${d}"`);
  return { input: parsed as KubeObject, decodingProblems };
}

/**
 * Serves `store` over HTTPS. The certificate is made at start unless given; the token is random
 * unless given. Stop it with `close()`.
 */
export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const address = options.address ?? '127.0.0.1';
  const certificate = options.certificate ?? (await makeServingCertificate(address));
  const token = options.token ?? randomBytes(32).toString('base64url');
  const api = new ServedApi(
    options.store,
    address,
    certificate,
    token,
    [...(options.readOnlyToken === undefined ? [] : [viewer(options.readOnlyToken)]), ...(options.restricted ?? [])],
    options.bookmarkIntervalMs ?? 60_000,
    options.log,
    options.clock,
  );
  await api.listen(options.port ?? 0);
  return api;
}
