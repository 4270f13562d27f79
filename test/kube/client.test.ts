import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import { generate } from 'selfsigned';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { makeServingCertificate } from '../../simulator/apiserver/certificate.ts';
import { KubeClient, KubeUnreachableError } from '../../src/kube/client.ts';
import { resolveConnection } from '../../src/kube/kubeconfig.ts';
import { explainFailure, LiveError } from '../../src/kube/errors.ts';
import { listObjects, patchObject } from '../../src/kube/objects.ts';
import { CLUSTER_PROMOTIONS, type ResourceType } from '../../src/kube/resources.ts';
import { getPromotion, listPromotions } from '../../src/live/snapshot.ts';
import { manualStage, promotionObject, putPromotion, serve, type Served } from '../live/served.ts';

let served: Served;
before(async () => {
  served = await serve({ readOnlyToken: 'viewer-token' });
  putPromotion(served.store, promotionObject('checkout', [manualStage('staging', { env: 'staging' })]));
  putPromotion(served.store, promotionObject('payments', [manualStage('staging', { env: 'staging' })]));
});
after(() => served.close());

async function failure(p: Promise<unknown>): Promise<LiveError> {
  try {
    await p;
  } catch (e) {
    assert.ok(e instanceof LiveError, `expected a LiveError, got ${String(e)}`);
    return e;
  }
  assert.fail('expected a failure');
}

describe('talking to the API server', () => {
  it('lists through the kubeconfig the served API wrote: its CA and its bearer token', async () => {
    const names = (await listPromotions(served.client())).map((p) => p.metadata.name);
    assert.deepEqual(names, ['checkout', 'payments']);
  });

  it('names the promotions that exist when the one asked for does not', async () => {
    const e = await failure(getPromotion(served.client(), 'chekout'));
    assert.equal(
      e.message,
      'clusterpromotion "chekout" not found in context "promotion-sim"; existing: checkout, payments',
    );
    assert.equal(e.exitCode, 5);
  });

  it('says the credentials were rejected on 401', async () => {
    const e = await failure(listPromotions(served.client({ token: 'wrong' })));
    assert.match(
      e.message,
      /^unauthorized: the API server at https:\/\/127\.0\.0\.1:\d+ rejected the credentials of context "promotion-sim"/,
    );
  });

  it('names the verb and resource on 403, and the kubectl auth can-i line that checks it', async () => {
    const client = served.client({ token: 'viewer-token' });
    try {
      await patchObject(client, CLUSTER_PROMOTIONS, 'checkout', [
        { op: 'add', path: '/metadata/labels', value: { a: 'b' } },
      ]);
      assert.fail('a viewer must not patch');
    } catch (err) {
      const e = explainFailure(
        err,
        { verb: 'patch', resource: CLUSTER_PROMOTIONS, name: 'checkout' },
        client.connection,
      );
      assert.match(
        e.message,
        /cannot patch clusterpromotions\.config\.projectsveltos\.io\/checkout in context "promotion-sim"/,
      );
      assert.match(
        e.message,
        new RegExp(
          /; check with: kubectl auth can-i patch /.source +
            /clusterpromotions\.config\.projectsveltos\.io\/checkout --kubeconfig=\S+$/.source,
        ),
      );
    }
  });

  it('tells a missing CRD from a missing object: "is Sveltos installed?"', async () => {
    const unserved: ResourceType = { ...CLUSTER_PROMOTIONS, version: 'v1alpha9' };
    const client = served.client();
    try {
      await listObjects(client, unserved);
      assert.fail('the served API has no v1alpha9');
    } catch (err) {
      const e = explainFailure(err, { verb: 'list', resource: unserved }, client.connection);
      assert.equal(
        e.message,
        'no ClusterPromotion API in context "promotion-sim": is Sveltos installed? (the server has no ' +
          'clusterpromotions.config.projectsveltos.io)',
      );
    }
  });

  it('retries an unreachable server with growing, jittered waits, then says where it tried', async () => {
    const waits: number[] = [];
    const client = served.client(
      { server: 'https://127.0.0.1:1' },
      { sleep: async (ms) => void waits.push(ms), random: () => 0.5 },
    );
    const e = await failure(listPromotions(client));
    assert.match(
      e.message,
      new RegExp(
        /^cannot reach the API server at https:\/\/127\.0\.0\.1:1 \(context "promotion-sim"\): /.source +
          /connection refused \(tried 5 times\)/.source,
      ),
    );
    assert.deepEqual(waits, [188, 375, 750, 1500]);
  });

  it('does not retry a TLS failure: it says which certificate to trust instead', async () => {
    const waits: number[] = [];
    // The server's own CA left out: its certificate is self-signed, so nothing vouches for it.
    const conn = resolveConnection(
      { server: served.server.url, token: served.server.token },
      { env: {}, home: served.dir, serviceAccountPrefix: served.dir },
    );
    const client = new KubeClient(conn, { sleep: async (ms) => void waits.push(ms) });
    try {
      await listObjects(client, CLUSTER_PROMOTIONS);
      assert.fail('an untrusted certificate must be refused');
    } catch (err) {
      assert.ok(err instanceof KubeUnreachableError && err.problem === 'tls', String(err));
      const e = explainFailure(err, { verb: 'list', resource: CLUSTER_PROMOTIONS }, conn);
      assert.match(
        e.message,
        new RegExp(
          /^cannot verify the API server at https:\/\/127\.0\.0\.1:\d+ \(context /.source +
            /"command-line"\): .*certificate.*; set the cluster's certificate-authority in /.source +
            /the kubeconfig or pass --certificate-authority$/.source,
        ),
      );
    }
    assert.deepEqual(waits, []);
  });
});

describe('what goes on the wire', () => {
  // A bare HTTP server that records what it was sent: the served API would hide the headers.
  let seen: IncomingHttpHeaders[] = [];
  let answer: 'json' | 'never' = 'json';
  let url = '';
  let wire: Server;
  before(async () => {
    wire = createServer((req, res) => {
      seen.push(req.headers);
      if (answer === 'never') return; // holds the request open, as a hung server or proxy would
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"ClusterPromotionList","items":[]}');
    });
    await new Promise<void>((resolve) => wire.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(wire.address() as AddressInfo).port}`;
  });
  after(() => {
    wire.closeAllConnections();
    wire.close();
  });

  function kubeconfigWithImpersonation(): string {
    const file = path.join(served.dir, 'impersonating');
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: wire',
        'contexts: [{name: wire, context: {cluster: wire, user: admin}}]',
        `clusters: [{name: wire, cluster: {server: "${url}", insecure-skip-tls-verify: true}}]`,
        'users: [{name: admin, user: {token: admin-token, as: from-kubeconfig}}]',
      ].join('\n'),
    );
    return file;
  }

  it(
    "sends the bearer token and one impersonation header per --as-group, --as replacing the kubeconfig's " + '"as"',
    async () => {
      seen = [];
      answer = 'json';
      const conn = resolveConnection({
        kubeconfig: kubeconfigWithImpersonation(),
        as: 'jane',
        asGroup: ['ops', 'sre'],
      });
      await listObjects(new KubeClient(conn), CLUSTER_PROMOTIONS);
      assert.equal(seen.length, 1);
      assert.equal(seen[0]!.authorization, 'Bearer admin-token');
      assert.equal(seen[0]!['impersonate-user'], 'jane');
      // Node.js joins repeated request headers with ", " when it parses them.
      assert.equal(seen[0]!['impersonate-group'], 'ops, sre');
    },
  );

  it('impersonates the kubeconfig user\'s "as" when no --as is given', async () => {
    seen = [];
    answer = 'json';
    await listObjects(
      new KubeClient(resolveConnection({ kubeconfig: kubeconfigWithImpersonation() })),
      CLUSTER_PROMOTIONS,
    );
    assert.equal(seen[0]!['impersonate-user'], 'from-kubeconfig');
    assert.equal(seen[0]!['impersonate-group'], undefined);
  });

  it('gives up on a server that never answers after --request-timeout, and says so', async () => {
    seen = [];
    answer = 'never';
    const conn = resolveConnection(
      { server: url, token: 't', requestTimeout: '150ms' },
      { env: {}, home: served.dir, serviceAccountPrefix: served.dir },
    );
    const client = new KubeClient(conn, { sleep: async () => {}, retry: { attempts: 2, baseMs: 1, capMs: 1 } });
    try {
      await listObjects(client, CLUSTER_PROMOTIONS);
      assert.fail('a request that gets no answer must time out');
    } catch (err) {
      const e = explainFailure(err, { verb: 'list', resource: CLUSTER_PROMOTIONS }, conn);
      assert.match(
        e.message,
        new RegExp(
          /^cannot reach the API server at http:\/\/127\.0\.0\.1:\d+ \(context /.source +
            /"command-line"\): no answer within 150ms \(--request-timeout\) \(tried 2 times\)/.source,
        ),
      );
      assert.equal(e.exitCode, 5);
    }
    assert.equal(seen.length, 2, 'a read that timed out is tried again');
  });
});

describe('credentials the client library works out from the kubeconfig', () => {
  // An HTTPS server that asks for a client certificate, trusting one made for the test, and
  // records who presented what.
  let url = '';
  let ca = '';
  let client: { cert: string; key: string };
  const seen: { subject: string | null; authorization: string | undefined }[] = [];
  let tls: HttpsServer;
  before(async () => {
    const serving = await makeServingCertificate('127.0.0.1');
    ca = serving.cert;
    const pems = await generate([{ name: 'commonName', value: 'jane' }], {
      keyType: 'ec',
      curve: 'P-256',
      algorithm: 'sha256',
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', digitalSignature: true, keyCertSign: true, critical: true },
        { name: 'extKeyUsage', clientAuth: true },
      ],
    });
    client = { cert: pems.cert, key: pems.private };
    tls = createHttpsServer(
      { cert: serving.cert, key: serving.key, requestCert: true, rejectUnauthorized: false, ca: [client.cert] },
      (req, res) => {
        const socket = req.socket as TLSSocket;
        seen.push({
          subject: socket.authorized ? String(socket.getPeerCertificate().subject.CN) : null,
          authorization: req.headers.authorization,
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"kind":"ClusterPromotionList","items":[]}');
      },
    );
    await new Promise<void>((resolve) => tls.listen(0, '127.0.0.1', resolve));
    url = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
  });
  after(() => {
    tls.closeAllConnections();
    tls.close();
  });

  function kubeconfig(name: string, user: string[]): string {
    const file = path.join(served.dir, name);
    writeFileSync(
      file,
      [
        'apiVersion: v1',
        'kind: Config',
        'current-context: tls',
        'contexts: [{name: tls, context: {cluster: tls, user: u}}]',
        `clusters: [{name: tls, cluster: {server: "${url}", certificate-authority-data: ` +
          `${Buffer.from(ca).toString('base64')}}}]`,
        'users:',
        '- name: u',
        '  user:',
        ...user.map((l) => `    ${l}`),
      ].join('\n'),
    );
    return file;
  }

  it('presents the client certificate and key given inline', async () => {
    seen.length = 0;
    const file = kubeconfig('cert-data', [
      `client-certificate-data: ${Buffer.from(client.cert).toString('base64')}`,
      `client-key-data: ${Buffer.from(client.key).toString('base64')}`,
    ]);
    await listObjects(new KubeClient(resolveConnection({ kubeconfig: file })), CLUSTER_PROMOTIONS);
    assert.deepEqual(seen, [{ subject: 'jane', authorization: undefined }]);
  });

  it('reads certificate files named relative to the kubeconfig, as kubectl does', async () => {
    seen.length = 0;
    mkdirSync(path.join(served.dir, 'pki'), { recursive: true });
    writeFileSync(path.join(served.dir, 'pki', 'jane.crt'), client.cert);
    writeFileSync(path.join(served.dir, 'pki', 'jane.key'), client.key);
    const file = kubeconfig('cert-files', ['client-certificate: pki/jane.crt', 'client-key: pki/jane.key']);
    await listObjects(new KubeClient(resolveConnection({ kubeconfig: file })), CLUSTER_PROMOTIONS);
    assert.deepEqual(seen, [{ subject: 'jane', authorization: undefined }]);
  });

  it("gets a token from the kubeconfig's exec plugin and sends it as a bearer token", async () => {
    seen.length = 0;
    const credential = JSON.stringify({
      apiVersion: 'client.authentication.k8s.io/v1',
      kind: 'ExecCredential',
      status: { token: 'from-exec' },
    });
    const file = kubeconfig('exec', [
      'exec:',
      '  apiVersion: client.authentication.k8s.io/v1',
      '  command: sh',
      `  args: ["-c", ${JSON.stringify(`printf '%s' '${credential}'`)}]`,
      '  interactiveMode: Never',
    ]);
    await listObjects(new KubeClient(resolveConnection({ kubeconfig: file })), CLUSTER_PROMOTIONS);
    assert.deepEqual(seen, [{ subject: null, authorization: 'Bearer from-exec' }]);
  });
});
