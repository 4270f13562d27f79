// Ages and waits are the API server's: its Date header says what time it is there.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serve, type Served } from './served.ts';

describe("the server's clock", () => {
  let serverTime = Date.parse('2031-05-01T12:00:00Z');
  let served: Served;
  before(async () => {
    served = await serve({ now: () => new Date(serverTime) });
  });
  after(() => served.close());

  it('is read from the Date header of each answer, so a rehearsal running ahead shows its own ages', async () => {
    const local = Date.parse('2026-01-01T00:00:00Z');
    const client = served.client({}, { now: () => local });
    assert.equal(client.serverNow(local), local, 'nothing is known before the first answer');
    await client.request('GET', '/version');
    assert.equal(client.serverNow(local + 5000), serverTime + 5000);
    serverTime += 3_600_000;
    await client.request('GET', '/version');
    assert.equal(client.serverNow(local), serverTime, 'each answer corrects it');
  });

  it('is taken as ours within the second the header can tell, so ages never jitter', async () => {
    const client = served.client({}, { now: () => serverTime + 1500 });
    await client.request('GET', '/version');
    assert.equal(client.serverNow(1000), 1000);
  });
});
