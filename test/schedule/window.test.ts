import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { CronError, parseCron, parseWindow, windowState, WindowError } from '../../src/schedule/window.ts';

const t = (iso: string) => new Date(iso);

function state(from: string, to: string, now: string) {
  const s = windowState(parseWindow({ from, to }), t(now));
  return { open: s.open, changesAt: s.changesAt?.toISOString() ?? null };
}

describe('promotion window: open from a `from` firing (inclusive) to the next `to` firing (exclusive)', () => {
  const from = '0 9 * * *';
  const to = '0 17 * * *';

  it('is closed before `from` and says when it opens', () => {
    assert.deepEqual(state(from, to, '2025-01-06T08:59:59.999Z'), {
      open: false,
      changesAt: '2025-01-06T09:00:00.000Z',
    });
  });
  it('is open at the `from` instant itself and says when it closes', () => {
    assert.deepEqual(state(from, to, '2025-01-06T09:00:00.000Z'), {
      open: true,
      changesAt: '2025-01-06T17:00:00.000Z',
    });
  });
  it('is open just before `to`', () => {
    assert.deepEqual(state(from, to, '2025-01-06T16:59:59.999Z'), {
      open: true,
      changesAt: '2025-01-06T17:00:00.000Z',
    });
  });
  it('is closed at the `to` instant and until the next `from`', () => {
    assert.deepEqual(state(from, to, '2025-01-06T17:00:00.000Z'), {
      open: false,
      changesAt: '2025-01-07T09:00:00.000Z',
    });
  });
  it('reads the expressions in UTC by default', () => {
    assert.equal(parseCron('0 9 * * *').timeZone, 'UTC');
  });
});

describe('promotion window across midnight', () => {
  it('stays open past midnight until `to`', () => {
    assert.deepEqual(state('0 22 * * *', '0 2 * * *', '2025-01-06T23:00:00Z'), {
      open: true,
      changesAt: '2025-01-07T02:00:00.000Z',
    });
    assert.deepEqual(state('0 22 * * *', '0 2 * * *', '2025-01-07T01:59:00Z'), {
      open: true,
      changesAt: '2025-01-07T02:00:00.000Z',
    });
  });
  it('is closed during the day', () => {
    assert.deepEqual(state('0 22 * * *', '0 2 * * *', '2025-01-07T12:00:00Z'), {
      open: false,
      changesAt: '2025-01-07T22:00:00.000Z',
    });
  });
  it('handles weekend windows spanning days', () => {
    // Friday 18:00 to Monday 06:00.
    assert.deepEqual(state('0 18 * * FRI', '0 6 * * MON', '2025-01-12T10:00:00Z'), {
      open: true,
      changesAt: '2025-01-13T06:00:00.000Z',
    });
    assert.deepEqual(state('0 18 * * FRI', '0 6 * * MON', '2025-01-14T10:00:00Z'), {
      open: false,
      changesAt: '2025-01-17T18:00:00.000Z',
    });
  });
});

describe('`from` and `to` firing at the same instant', () => {
  it('a window whose `from` and `to` are the same schedule never closes', () => {
    assert.deepEqual(state('0 9 * * *', '0 9 * * *', '2025-01-06T09:00:00Z'), { open: true, changesAt: null });
    assert.deepEqual(state('0 9 * * *', '0 9 * * *', '2025-01-06T03:00:00Z'), { open: true, changesAt: null });
  });
  it('a `to` at the instant of the opening does not close that window', () => {
    // Opens Mondays 09:00; `to` fires every day at 09:00, including that Monday.
    assert.deepEqual(state('0 9 * * MON', '0 9 * * *', '2025-01-06T09:00:00Z'), {
      open: true,
      changesAt: '2025-01-07T09:00:00.000Z',
    });
  });
  it('a close that coincides with a reopening is skipped: the window closes when it really does', () => {
    // Opens weekdays 09:00, closes daily 09:00: open from Monday to Saturday 09:00.
    assert.deepEqual(state('0 9 * * 1-5', '0 9 * * *', '2025-01-07T10:00:00Z'), {
      open: true,
      changesAt: '2025-01-11T09:00:00.000Z',
    });
    assert.deepEqual(state('0 9 * * 1-5', '0 9 * * *', '2025-01-11T09:00:00Z'), {
      open: false,
      changesAt: '2025-01-13T09:00:00.000Z',
    });
  });
});

describe('CRON_TZ', () => {
  const from = 'CRON_TZ=Europe/Berlin 0 9 * * *';
  const to = 'CRON_TZ=Europe/Berlin 0 17 * * *';

  it('reads the fields in that zone (winter: UTC+1)', () => {
    assert.deepEqual(state(from, to, '2025-01-06T08:30:00Z'), { open: true, changesAt: '2025-01-06T16:00:00.000Z' });
  });
  it('follows daylight saving time (summer: UTC+2)', () => {
    assert.deepEqual(state(from, to, '2025-07-07T06:30:00Z'), { open: false, changesAt: '2025-07-07T07:00:00.000Z' });
    assert.deepEqual(state(from, to, '2025-07-07T14:30:00Z'), { open: true, changesAt: '2025-07-07T15:00:00.000Z' });
  });
  it('a window spanning the spring-forward gap is an hour shorter in real time', () => {
    // 2025-03-30 in Berlin: 02:00 CET jumps to 03:00 CEST.
    const w = ['CRON_TZ=Europe/Berlin 0 1 * * *', 'CRON_TZ=Europe/Berlin 0 4 * * *'] as const;
    assert.deepEqual(state(...w, '2025-03-30T00:00:00Z'), { open: true, changesAt: '2025-03-30T02:00:00.000Z' });
  });
  it('a window spanning the fall-back hour is an hour longer in real time', () => {
    // 2025-10-26 in Berlin: 03:00 CEST goes back to 02:00 CET.
    const w = ['CRON_TZ=Europe/Berlin 0 1 * * *', 'CRON_TZ=Europe/Berlin 0 4 * * *'] as const;
    assert.deepEqual(state(...w, '2025-10-25T23:00:00Z'), { open: true, changesAt: '2025-10-26T03:00:00.000Z' });
  });
  it('a `from` in the skipped hour still opens the window once that day, after the gap', () => {
    const w = ['CRON_TZ=Europe/Berlin 30 2 * * *', 'CRON_TZ=Europe/Berlin 0 5 * * *'] as const;
    const s = windowState(parseWindow({ from: w[0], to: w[1] }), t('2025-03-29T12:00:00Z'));
    assert.equal(s.open, false);
    const opens = s.changesAt!;
    assert.ok(opens >= t('2025-03-30T01:00:00Z') && opens < t('2025-03-30T03:00:00Z'), opens.toISOString());
    assert.deepEqual(state(...w, opens.toISOString()), { open: true, changesAt: '2025-03-30T03:00:00.000Z' });
  });
});

describe('descriptors', () => {
  it('@hourly opens on the hour', () => {
    assert.deepEqual(state('@hourly', '30 * * * *', '2025-01-06T10:10:00Z'), {
      open: true,
      changesAt: '2025-01-06T10:30:00.000Z',
    });
    assert.deepEqual(state('@hourly', '30 * * * *', '2025-01-06T10:40:00Z'), {
      open: false,
      changesAt: '2025-01-06T11:00:00.000Z',
    });
  });
  it('@daily and @midnight open at 00:00', () => {
    for (const d of ['@daily', '@midnight']) {
      assert.deepEqual(state(d, '0 6 * * *', '2025-01-06T05:00:00Z'), {
        open: true,
        changesAt: '2025-01-06T06:00:00.000Z',
      });
    }
  });
  it('@weekly opens Sunday 00:00', () => {
    assert.deepEqual(state('@weekly', '@daily', '2025-01-07T00:00:00Z'), {
      open: false,
      changesAt: '2025-01-12T00:00:00.000Z',
    });
    assert.deepEqual(state('@weekly', '@daily', '2025-01-12T12:00:00Z'), {
      open: true,
      changesAt: '2025-01-13T00:00:00.000Z',
    });
  });
  it('@monthly opens on the 1st', () => {
    assert.deepEqual(state('@monthly', '@daily', '2025-01-15T00:00:00Z'), {
      open: false,
      changesAt: '2025-02-01T00:00:00.000Z',
    });
  });
  it('@yearly and @annually open on January 1st', () => {
    for (const d of ['@yearly', '@annually']) {
      assert.deepEqual(state(d, '@daily', '2025-06-01T00:00:00Z'), {
        open: false,
        changesAt: '2026-01-01T00:00:00.000Z',
      });
    }
  });
  it('take a zone too', () => {
    assert.deepEqual(state('CRON_TZ=Asia/Tokyo @daily', 'CRON_TZ=Asia/Tokyo 0 6 * * *', '2025-01-06T16:00:00Z'), {
      open: true,
      changesAt: '2025-01-06T21:00:00.000Z',
    });
  });
});

describe('cron day matching', () => {
  it('matches day of month OR day of week when both are restricted, as cron does', () => {
    const c = parseCron('0 0 1 * MON');
    assert.equal(c.nextAfter(t('2025-01-28T00:00:00Z'))!.toISOString(), '2025-02-01T00:00:00.000Z');
    assert.equal(c.nextAfter(t('2025-02-01T00:00:00Z'))!.toISOString(), '2025-02-03T00:00:00.000Z');
  });
  it('accepts ?, lists, ranges, steps and names', () => {
    for (const e of ['0 0 1 * ?', '*/15 9-17 * * 1-5', '0 0,12 1,15 JAN-JUN *', '5/10 * * * sun']) parseCron(e);
  });
});

describe('bad windows', () => {
  const reject = (from: string, to: string, field: 'from' | 'to', pattern: RegExp) => {
    assert.throws(
      () => parseWindow({ from, to }),
      (e: unknown) =>
        e instanceof WindowError && e.field === field && pattern.test(e.message) && e.message.startsWith(`${field}: `),
    );
  };
  it('names the end that is wrong', () => {
    reject('0 9 * * *', '0 25 * * *', 'to', /hour|25/);
    reject('nope', '0 9 * * *', 'from', /field/);
  });
  it('rejects a missing end', () => {
    reject('', '0 9 * * *', 'from', /required/);
    reject('0 9 * * *', undefined as unknown as string, 'to', /required/);
  });
  it('rejects six fields (seconds), which Sveltos does not take', () => {
    reject('0 0 9 * * *', '0 9 * * *', 'from', /6 fields; expected 5/);
  });
  it('rejects L, # and H, which Sveltos does not take', () => {
    reject('0 0 L * *', '0 9 * * *', 'from', /day of month/);
    reject('0 0 * * 1#2', '0 9 * * *', 'from', /day of week/);
    reject('H 0 * * *', '0 9 * * *', 'from', /minute/);
  });
  it('rejects an unknown zone and a TZ= prefix', () => {
    reject('CRON_TZ=Mars/Olympus 0 9 * * *', '0 9 * * *', 'from', /time zone "Mars\/Olympus"/);
    reject('TZ=Europe/Berlin 0 9 * * *', '0 9 * * *', 'from', /CRON_TZ=/);
  });
  it('rejects @every and unknown descriptors', () => {
    reject('@every 1h', '0 9 * * *', 'from', /descriptor/);
    reject('@often', '0 9 * * *', 'from', /descriptor/);
  });
  it('rejects an expression that never fires', () => {
    assert.throws(() => parseCron('0 0 30 2 *'), CronError);
  });
});
