// Events as kube-apiserver serves them: one storage, two API versions. An Event written as
// events.k8s.io/v1 reads back as a core v1 Event with the fields renamed (and the other way
// round), in lists, watches and field selectors of either version; the recorder makes series of
// repeats and keeps Events within a TTL and a bound.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EventRecorder, type EventRecord } from '../../simulator/event-recorder.ts';
import { python, skipPython } from './clients.ts';
import { newStore, withServer } from './helpers.ts';

const EVENTS_V1 = '/apis/events.k8s.io/v1';

function eventsV1(name: string, namespace = 'default') {
  return {
    apiVersion: 'events.k8s.io/v1',
    kind: 'Event',
    metadata: { name, namespace },
    eventTime: '2025-03-01T12:00:00.000000Z',
    regarding: { apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterPromotion', name: 'rollout' },
    reason: 'StagePromoted',
    action: 'Reconcile',
    note: 'stage qa promoted',
    type: 'Normal',
    reportingController: 'example.com/controller',
    reportingInstance: 'controller-0',
  };
}

const promoted: EventRecord = {
  regarding: { apiVersion: 'config.projectsveltos.io/v1beta1', kind: 'ClusterPromotion', name: 'rollout', uid: 'u1' },
  type: 'Normal',
  reason: 'StagePromoted',
  action: 'Reconcile',
  note: 'stage qa promoted',
};

describe('Events in two API versions', () => {
  it('an events.k8s.io/v1 Event reads back as a core v1 Event', () =>
    withServer(async (s) => {
      const created = await s.request('POST', `${EVENTS_V1}/namespaces/default/events`, { body: eventsV1('e1') });
      assert.equal(created.status, 201);
      assert.equal(created.json.apiVersion, 'events.k8s.io/v1');
      assert.equal(created.json.note, 'stage qa promoted');
      const core = (await s.request('GET', '/api/v1/namespaces/default/events/e1')).json;
      assert.equal(core.apiVersion, 'v1');
      assert.equal(core.metadata.resourceVersion, created.json.metadata.resourceVersion);
      assert.deepEqual(core.involvedObject, eventsV1('e1').regarding);
      assert.equal(core.message, 'stage qa promoted');
      assert.equal(core.reportingComponent, 'example.com/controller');
      assert.equal(core.reason, 'StagePromoted');
      assert.equal(core.note, undefined);
    }));

  it('a core Event reads back as events.k8s.io/v1, and deleting it in one version deletes it in both', () =>
    withServer(async (s) => {
      await s.request('POST', '/api/v1/namespaces/default/events', {
        body: {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name: 'legacy' },
          involvedObject: { kind: 'ClusterPromotion', name: 'rollout' },
          reason: 'Started',
          message: 'old-style event',
          source: { component: 'legacy-controller' },
          count: 3,
          firstTimestamp: '2025-03-01T11:00:00Z',
          lastTimestamp: '2025-03-01T12:00:00Z',
        },
      });
      const v1 = (await s.request('GET', `${EVENTS_V1}/namespaces/default/events/legacy`)).json;
      assert.deepEqual(
        {
          regarding: v1.regarding,
          note: v1.note,
          deprecatedSource: v1.deprecatedSource,
          deprecatedCount: v1.deprecatedCount,
          deprecatedFirstTimestamp: v1.deprecatedFirstTimestamp,
          eventTime: v1.eventTime,
        },
        {
          regarding: { kind: 'ClusterPromotion', name: 'rollout' },
          note: 'old-style event',
          deprecatedSource: { component: 'legacy-controller' },
          deprecatedCount: 3,
          deprecatedFirstTimestamp: '2025-03-01T11:00:00Z',
          eventTime: null,
        },
      );
      assert.equal((await s.request('DELETE', `${EVENTS_V1}/namespaces/default/events/legacy`)).status, 200);
      assert.equal((await s.request('GET', '/api/v1/namespaces/default/events/legacy')).status, 404);
    }));

  it('selects by regarding.* in events.k8s.io/v1 and involvedObject.* in v1; watches get each its version', () =>
    withServer(async (s) => {
      const v1Watch = await s.watch(`${EVENTS_V1}/events?watch=true&fieldSelector=regarding.name%3Drollout`);
      const coreWatch = await s.watch('/api/v1/events?watch=true&fieldSelector=involvedObject.name%3Drollout');
      try {
        await s.request('POST', `${EVENTS_V1}/namespaces/default/events`, { body: eventsV1('e1') });
        const other = { ...eventsV1('e2'), regarding: { ...eventsV1('e2').regarding, name: 'other' } };
        await s.request('POST', `${EVENTS_V1}/namespaces/default/events`, { body: other });
        const list = (await s.request('GET', `${EVENTS_V1}/events?fieldSelector=regarding.name%3Drollout`)).json;
        assert.deepEqual(
          list.items.map((e: { metadata: { name: string } }) => e.metadata.name),
          ['e1'],
        );
        const fromV1 = (await v1Watch.next())!;
        const fromCore = (await coreWatch.next())!;
        assert.equal(
          `${fromV1.type} ${fromV1.object.apiVersion} ${fromV1.object.note}`,
          'ADDED events.k8s.io/v1 stage qa promoted',
        );
        assert.equal(
          `${fromCore.type} ${fromCore.object.apiVersion} ${fromCore.object.message}`,
          'ADDED v1 stage qa promoted',
        );
      } finally {
        v1Watch.close();
        coreWatch.close();
      }
    }));

  it('discovery lists events.k8s.io/v1', () =>
    withServer(async (s) => {
      const doc = (await s.request('GET', `${EVENTS_V1}`)).json;
      assert.deepEqual(
        doc.resources.map((r: { name: string; kind: string }) => `${r.name} ${r.kind}`),
        ['events Event'],
      );
    }));
});

describe('EventRecorder', () => {
  function recorder(options: { ttlMs?: number; maxEvents?: number } = {}) {
    const { store, clock } = newStore();
    const r = new EventRecorder({ store, reportingController: 'example.com/c', reportingInstance: 'c-0', ...options });
    const events = () => store.all<Record<string, unknown> & import('../../src/api/types.ts').KubeObject>('events');
    return { store, clock, r, events };
  }

  it('writes an events.k8s.io/v1 Event named after the object, in default for a cluster-scoped one', () => {
    const { r, events } = recorder();
    r.record(promoted);
    const [e] = events();
    assert.equal(e!.metadata.namespace, 'default');
    assert.match(e!.metadata.name, /^rollout\.[0-9a-f]+$/);
    assert.equal(e!.message, 'stage qa promoted');
    assert.equal(e!.reportingComponent, 'example.com/c');
    assert.equal(e!.eventTime, '2025-03-01T12:00:00.000000Z');
  });

  it('a repeat within six minutes is a series on the first Event; a later one is a new Event', () => {
    const { r, clock, events } = recorder();
    r.record(promoted);
    clock.advance(60_000);
    r.record(promoted);
    clock.advance(60_000);
    r.record(promoted);
    assert.equal(events().length, 1);
    assert.deepEqual(events()[0]!.series, { count: 3, lastObservedTime: '2025-03-01T12:02:00.000000Z' });
    clock.advance(7 * 60_000);
    r.record(promoted);
    assert.equal(events().length, 2);
    r.record({ ...promoted, note: 'stage prod promoted' });
    assert.equal(events().length, 3, 'a different note is a different event');
  });

  it('an Event goes once its last sighting is older than the TTL, and the oldest go beyond the bound', () => {
    const { r, clock, events } = recorder({ ttlMs: 3_600_000, maxEvents: 3 });
    r.record(promoted);
    clock.advance(30 * 60_000);
    r.record({ ...promoted, reason: 'StageStarted' });
    clock.advance(31 * 60_000);
    r.expire();
    assert.deepEqual(
      events().map((e) => e.reason),
      ['StageStarted'],
    );
    for (const reason of ['A', 'B', 'C']) r.record({ ...promoted, reason });
    assert.deepEqual(
      events()
        .map((e) => e.reason)
        .sort(),
      ['A', 'B', 'C'],
    );
  });
});

describe('Events with the Python client', { skip: skipPython }, () => {
  it('EventsV1Api and CoreV1Api read the same Event, each in its version', () =>
    withServer(async (s) => {
      new EventRecorder({ store: s.store, reportingController: 'example.com/c', reportingInstance: 'c-0' }).record(
        promoted,
      );
      const run = await python(
        s,
        `
v1 = client.EventsV1Api().list_namespaced_event("default", field_selector="regarding.name=rollout").items[0]
out(v1.reason, v1.regarding.kind, v1.reporting_controller, v1.note)
core = client.CoreV1Api().list_event_for_all_namespaces(field_selector="involvedObject.kind=ClusterPromotion").items[0]
out(core.reason, core.involved_object.name, core.reporting_component, core.message)
`,
      ).result();
      assert.equal(run.code, 0, run.stderr);
      assert.deepEqual(run.stdout.trim().split('\n'), [
        'StagePromoted ClusterPromotion example.com/c stage qa promoted',
        'StagePromoted rollout example.com/c stage qa promoted',
      ]);
    }));
});
