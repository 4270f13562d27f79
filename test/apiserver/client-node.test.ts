// The served API through @kubernetes/client-node, as the plugin's live commands use it: the
// written kubeconfig, CustomObjectsApi for reads and patches, and its Watch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiException,
  CustomObjectsApi,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  Watch,
} from '@kubernetes/client-node';
import { promotion, withDeadline, withServer } from './helpers.ts';

const GROUP = { group: 'config.projectsveltos.io', version: 'v1beta1', plural: 'clusterpromotions' };

function client(kubeconfigPath: string): { kc: KubeConfig; api: CustomObjectsApi } {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return { kc, api: kc.makeApiClient(CustomObjectsApi) };
}

describe('served API with @kubernetes/client-node', () => {
  it('loads the written kubeconfig and lists clusterpromotions', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      const { kc, api } = client(s.kubeconfig());
      assert.equal(kc.getCurrentContext(), 'promotion-sim');
      const list = (await api.listClusterCustomObject(GROUP)) as { items: { metadata: { name: string } }[] };
      assert.deepEqual(
        list.items.map((i) => i.metadata.name),
        ['rollout'],
      );
    }));

  it('patches with a guarded JSON Patch and sees the 422 of a failed test', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      const { api } = client(s.kubeconfig());
      const options = setHeaderOptions('Content-Type', PatchStrategy.JsonPatch);
      const body = [
        { op: 'test', path: '/spec/stages/1/trigger/manual', value: { automaticReset: true } },
        { op: 'add', path: '/spec/stages/1/trigger/manual/approved', value: true },
      ];
      const patched = (await api.patchClusterCustomObject({ ...GROUP, name: 'rollout', body }, options)) as {
        spec: { stages: { trigger: { manual: { approved?: boolean } } }[] };
      };
      assert.equal(patched.spec.stages[1]!.trigger.manual.approved, true);
      await assert.rejects(
        api.patchClusterCustomObject({ ...GROUP, name: 'rollout', body }, options),
        (err: unknown) => err instanceof ApiException && err.code === 422,
      );
    }));

  it('watches with resourceVersion and receives changes made in process', () =>
    withServer(async (s) => {
      s.store.create('clusterpromotions', promotion('rollout'));
      const { kc } = client(s.kubeconfig());
      const events: string[] = [];
      let resolveSeen!: () => void;
      const seen = new Promise<void>((r) => (resolveSeen = r));
      const controller = await new Watch(kc).watch(
        '/apis/config.projectsveltos.io/v1beta1/clusterpromotions',
        { resourceVersion: String(s.store.resourceVersion), allowWatchBookmarks: true },
        (type, obj: { metadata: { name: string }; status?: { currentStageName?: string } }) => {
          events.push(`${type} ${obj.metadata.name} ${obj.status?.currentStageName ?? '-'}`);
          if (events.length === 2) resolveSeen();
        },
        () => undefined,
      );
      try {
        s.store.patch(
          'clusterpromotions',
          'rollout',
          'merge',
          { status: { currentStageName: 'qa' } },
          { subresource: 'status' },
        );
        s.store.create('clusterpromotions', promotion('second'));
        await withDeadline(seen, () => `two events expected, saw ${JSON.stringify(events)}`);
        assert.deepEqual(events, ['MODIFIED rollout qa', 'ADDED second -']);
      } finally {
        controller.abort();
      }
    }));

  it('sees a dropped watch end through the done callback', () =>
    withServer(async (s) => {
      const { kc } = client(s.kubeconfig());
      let resolveDone!: (err: unknown) => void;
      const done = new Promise((r) => (resolveDone = r));
      const controller = await new Watch(kc).watch(
        '/apis/config.projectsveltos.io/v1beta1/clusterpromotions',
        { resourceVersion: String(s.store.resourceVersion) },
        () => undefined,
        (err) => resolveDone(err),
      );
      assert.equal(s.api.faults.dropWatches(), 1);
      await withDeadline(done, () => 'done was not called');
      controller.abort();
    }));
});
