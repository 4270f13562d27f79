import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PROMOTIONS, promotion, withServer } from './helpers.ts';

describe('served API faults', () => {
  it('drops every watch stream on demand', () =>
    withServer(async (s) => {
      const a = await s.watch(`${PROMOTIONS}?watch=1&resourceVersion=${s.store.resourceVersion}`);
      const b = await s.watch(`${PROMOTIONS}?watch=1&resourceVersion=${s.store.resourceVersion}`);
      assert.equal(s.api.faults.dropWatches(), 2);
      assert.deepEqual(await a.toEnd(), []);
      assert.deepEqual(await b.toEnd(), []);
    }));

  it('answers the next watch with a 410 Expired ERROR event, and the one after normally', () =>
    withServer(async (s) => {
      s.api.faults.expireNextWatches(1);
      const expired = await s.watch(`${PROMOTIONS}?watch=1&resourceVersion=${s.store.resourceVersion}`);
      const events = await expired.toEnd();
      assert.equal(events[0]?.type, 'ERROR');
      assert.equal(events[0]?.object.code, 410);
      const fine = await s.watch(`${PROMOTIONS}?watch=1&resourceVersion=${s.store.resourceVersion}`);
      s.store.create('clusterpromotions', promotion('a'));
      assert.equal((await fine.next())?.type, 'ADDED');
      fine.close();
    }));

  it('refuses connections for real while down, and accepts them again on the same port', () =>
    withServer(async (s) => {
      const port = s.api.port;
      const { reopened } = await s.api.faults.refuseConnections(60);
      await assert.rejects(s.request('GET', '/version'), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
      assert.equal(s.api.faults.status().refusingConnections, true);
      await s.api.faults.acceptConnections();
      await reopened;
      assert.equal(s.api.port, port);
      assert.equal((await s.request('GET', '/version')).status, 200);
    }));

  it('reopens by itself when the outage ends', () =>
    withServer(async (s) => {
      const { reopened } = await s.api.faults.refuseConnections(0.05);
      await reopened;
      assert.equal((await s.request('GET', '/version')).status, 200);
    }));

  it('restarts with the same objects, resourceVersions continuing and watch history gone', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('a'));
      const before = s.store.resourceVersion;
      const w = await s.watch(`${PROMOTIONS}?watch=1&resourceVersion=${before}`);
      await s.api.faults.restart();
      assert.deepEqual(await w.toEnd(), [], 'open watches end with the restart');
      assert.equal((await s.request('GET', `${PROMOTIONS}/a`)).json.metadata.resourceVersion, String(before));
      const created = await s.request('POST', PROMOTIONS, { body: promotion('b') });
      assert.equal(created.json.metadata.resourceVersion, String(before + 1));
      const stale = await s.watch(`${PROMOTIONS}?watch=1&resourceVersion=${before - 1}`);
      assert.equal((await stale.toEnd())[0]?.object.code, 410);
    }));

  it('takes faults from the admin endpoint with the token, and refuses them without', () =>
    withServer(async (s) => {
      const w = await s.watch(`${PROMOTIONS}?watch=1&resourceVersion=${s.store.resourceVersion}`);
      assert.equal((await s.request('POST', '/admin/faults/drop-watches', { token: null })).status, 401);
      const dropped = await s.request('POST', '/admin/faults/drop-watches');
      assert.deepEqual(dropped.json, { dropped: 1 });
      await w.toEnd();
      assert.equal((await s.request('POST', '/admin/faults/expire-next-watch?count=2')).json.pendingWatchExpiries, 2);
      assert.equal((await s.request('POST', '/admin/faults/refuse-connections')).status, 400);
      const refused = await s.request('POST', '/admin/faults/refuse-connections?seconds=60');
      assert.equal(refused.status, 202);
      // The outage starts once the answer is out; joining it resolves when sockets are closed.
      for (let i = 0; i < 1000 && !s.api.faults.refusing; i++) await new Promise((r) => setImmediate(r));
      await s.api.faults.refuseConnections(0);
      await assert.rejects(s.request('GET', '/version'), (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED');
      await s.api.faults.acceptConnections();
      const status = (await s.request('GET', '/admin/faults')).json.status;
      assert.equal(status.pendingWatchExpiries, 2);
      assert.equal(status.refusingConnections, false);
    }));
});
