import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { LUA_TABLE_ERROR, luaSyntaxError, runHealthScript } from '../../src/health/lua.ts';
import type { KubeObject } from '../../src/api/types.ts';
import { deployment, obj } from './objects.ts';

const REPLICAS_MATCH = `
function evaluate()
  local hs = { healthy = false, message = "waiting for replicas" }
  if obj.status ~= nil and obj.status.availableReplicas == obj.spec.replicas then
    hs.healthy = true
    hs.message = "all " .. obj.spec.replicas .. " replicas available"
  end
  return hs
end`;

describe('Lua health scripts', () => {
  it('return healthy with the message the script sets', async () => {
    assert.deepEqual(await runHealthScript(REPLICAS_MATCH, deployment('prod', 'web', 3, 3)), {
      ok: true,
      healthy: true,
      message: 'all 3 replicas available',
    });
  });

  it('return unhealthy with the message the script sets', async () => {
    assert.deepEqual(await runHealthScript(REPLICAS_MATCH, deployment('prod', 'web', 3, 1)), {
      ok: true,
      healthy: false,
      message: 'waiting for replicas',
    });
  });

  it('pass the object both as the global obj and as the argument of evaluate', async () => {
    const script = 'function evaluate(o) return { healthy = rawequal(o, obj), message = o.metadata.name } end';
    assert.deepEqual(await runHealthScript(script, deployment('prod', 'web', 1, 1)), {
      ok: true,
      healthy: true,
      message: 'web',
    });
  });

  it('see the object as libsveltos builds it: tables, 1-based arrays, numbers, bools, nil for null', async () => {
    const o = obj(
      'example.io/v1',
      'Thing',
      'ns',
      't',
      { app: 'x' },
      {
        spec: {
          count: 3,
          ratio: 0.5,
          on: true,
          off: false,
          gone: null,
          list: ['a', null, { b: 2 }],
          ports: [80, 443, 0.5],
          nested: [[1, 2], [3]],
        },
      },
    );
    // MapToTable keeps only tables, strings, bools and non-integral numbers of an array (the
    // Kubernetes client decodes whole numbers as int64, which its array case drops).
    const script = `
function evaluate()
  local s = obj.spec
  local parts = {
    type(s.count), tostring(s.count), tostring(s.ratio), tostring(s.on), tostring(s.off),
    tostring(s.gone), #s.list, s.list[1], s.list[2].b, #s.ports, s.ports[1], #s.nested,
    getLabel(obj, "app"), tostring(getAnnotation(obj, "none")),
  }
  for i, p in ipairs(parts) do parts[i] = tostring(p) end
  return { healthy = true, message = table.concat(parts, ",") }
end`;
    const result = await runHealthScript(script, o);
    assert.deepEqual(result, { ok: true, healthy: true, message: 'number,3,0.5,true,false,nil,2,a,2,1,0.5,0,x,nil' });
  });

  it('reach into arrays of objects as Sveltos scripts do: containers, their ports, args and conditions', async () => {
    // MapToTable keeps an array's tables and strings, and whole numbers inside those tables: what
    // scripts index (containers[1].image, conditions[i].type) arrives; only bare integer lists are empty.
    const o = obj(
      'apps/v1',
      'Deployment',
      'prod',
      'web',
      {},
      {
        spec: {
          template: {
            spec: {
              containers: [
                { name: 'web', image: 'web:1.2', args: ['--port', '8080'], ports: [{ containerPort: 8080 }] },
                { name: 'proxy', image: 'envoy:1.30', ports: [{ containerPort: 9901, protocol: 'TCP' }] },
              ],
            },
          },
        },
        status: {
          conditions: [
            { type: 'Available', status: 'True' },
            { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
          ],
        },
      },
    );
    const script = `
function evaluate()
  local c = obj.spec.template.spec.containers
  local parts = { #c, c[1].image, c[1].args[2], c[1].ports[1].containerPort, c[2].name,
    c[2].ports[1].containerPort + 1, c[2].ports[1].protocol }
  for _, cond in ipairs(obj.status.conditions) do parts[#parts + 1] = cond.type .. "=" .. cond.status end
  for i, p in ipairs(parts) do parts[i] = tostring(p) end
  return { healthy = true, message = table.concat(parts, ",") }
end`;
    assert.deepEqual(await runHealthScript(script, o), {
      ok: true,
      healthy: true,
      message: '2,web:1.2,8080,8080,proxy,9902,TCP,Available=True,Progressing=True',
    });
  });

  it('carry long and non-ASCII strings intact', async () => {
    const data = `${'é'.repeat(50_000)}✓`;
    const o = obj('v1', 'ConfigMap', 'ns', 'c', {}, { data: { big: data } });
    const script =
      'function evaluate() return { healthy = #obj.data.big == 100003, message = obj.data.big:sub(-3) } end';
    assert.deepEqual(await runHealthScript(script, o), { ok: true, healthy: true, message: '✓' });
  });

  it('turn a runtime error into a failure naming the script line', async () => {
    const script = 'function evaluate()\n  return { healthy = obj.status.conditions[1].type == "Ready" }\nend';
    const result = await runHealthScript(script, deployment('prod', 'web', 1, undefined));
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.error : '', /^script:2: attempt to index field 'conditions' \(a nil value\)/);
  });

  it('fail when evaluate is missing or returns something other than a table', async () => {
    const d = deployment('prod', 'web', 1, 1);
    assert.deepEqual(await runHealthScript('x = 1', d), {
      ok: false,
      error: 'script does not define a function evaluate()',
    });
    assert.deepEqual(await runHealthScript('function evaluate() return true end', d), {
      ok: false,
      error: LUA_TABLE_ERROR,
    });
    assert.deepEqual(await runHealthScript('function evaluate() return { healthy = "yes" } end', d), {
      ok: false,
      error: 'lua script output field "healthy" is a string, not a bool',
    });
  });

  it('treat a table without healthy as unhealthy, as decoding into a Go bool does', async () => {
    assert.deepEqual(await runHealthScript('function evaluate() return {} end', null), {
      ok: true,
      healthy: false,
      message: '',
    });
  });

  it('stop a runaway script with a clear failure, even one that catches errors', async () => {
    const d = deployment('prod', 'web', 1, 1);
    for (const script of [
      'function evaluate() while true do end end',
      'function evaluate() while true do pcall(function() while true do end end) end end',
      'function evaluate() pcall(function() while true do end end) return { healthy = true } end',
      'function evaluate() coroutine.wrap(function() while true do end end)() end',
    ]) {
      const result = await runHealthScript(script, d, { instructionLimit: 200_000 });
      assert.deepEqual(
        result,
        { ok: false, error: 'script exceeded the limit of 200000 Lua instructions (runaway loop?)' },
        script,
      );
    }
  });

  it('stop a script stuck in a C function (string.find) at the time limit, the event loop free meanwhile', async () => {
    // No Lua instruction runs while the matcher backtracks: only the wall-clock limit stops it
    // (the pattern would take hours; the limit is far shorter, so no machine's speed decides).
    const script = `
function evaluate()
  local subject = string.rep("a", 40000)
  local found = string.find(subject, ".-.-.-.-.-.-.-b")
  return { healthy = found ~= nil, message = "matched" }
end`;
    const o = deployment('prod', 'web', 1, 1);
    const order: string[] = [];
    const running = runHealthScript(script, o, { timeLimitMs: 300 }).then((r) => {
      order.push('stopped');
      return r;
    });
    await nextTurn();
    order.push('event loop turned');
    const result = await running;
    assert.deepEqual(order, ['event loop turned', 'stopped']);
    const expected = {
      ok: false,
      error: 'Lua script exceeded the time limit of 300ms (a C function such as string.find can backtrack for minutes)',
    };
    assert.deepEqual(result, expected);
    // The same input fails the same way every time, and the next script gets a fresh VM.
    assert.deepEqual(await runHealthScript(script, o, { timeLimitMs: 300 }), expected);
    assert.deepEqual(await runHealthScript(REPLICAS_MATCH, o), {
      ok: true,
      healthy: true,
      message: 'all 1 replicas available',
    });
  });

  it('stop a script that allocates without bound', async () => {
    const script = 'function evaluate() local t = {} for i = 1, 1e9 do t[i] = ("x"):rep(1000) .. i end end';
    assert.deepEqual(await runHealthScript(script, null, { memoryLimit: 4 * 1024 * 1024 }), {
      ok: false,
      error: 'script exceeded the memory limit of 4 MiB',
    });
  });

  it('never let one evaluation see what another assigned', async () => {
    const polluter = `
leaked = "yes"
string.upper = nil
table.insert = nil
function evaluate() counter = (counter or 0) + 1; return { healthy = true } end`;
    await runHealthScript(polluter, null);
    const probe = `
function evaluate()
  local seen = tostring(leaked) .. "," .. tostring(counter) .. "," .. tostring(string.upper ~= nil) .. "," ..
    tostring(table.insert ~= nil) .. "," .. ("a"):upper()
  return { healthy = true, message = seen }
end`;
    assert.deepEqual(await runHealthScript(probe, null), { ok: true, healthy: true, message: 'nil,nil,true,true,A' });
  });

  it('keep the shared string metatable out of reach', async () => {
    const result = await runHealthScript(
      'getmetatable("").__index.upper = nil function evaluate() return {} end',
      null,
    );
    assert.equal(result.ok, false);
    assert.deepEqual(
      await runHealthScript('function evaluate() return { healthy = true, message = ("a"):upper() } end', null),
      {
        ok: true,
        healthy: true,
        message: 'A',
      },
    );
  });

  it('take the current time from the caller', async () => {
    const script =
      'function evaluate() return { healthy = true, message = os.date("!%Y-%m-%dT%H:%M:%SZ", os.time()) } end';
    const result = await runHealthScript(script, null, { now: new Date('2031-02-03T04:05:06Z') });
    assert.deepEqual(result, { ok: true, healthy: true, message: '2031-02-03T04:05:06Z' });
  });
});

describe('Lua as Sveltos runs it (gopher-lua is Lua 5.1)', () => {
  const message = async (body: string, o: KubeObject | null = null, options = {}) => {
    const r = await runHealthScript(`function evaluate()\n${body}\nend`, o, options);
    return r.ok ? r.message : `ERROR ${r.error}`;
  };

  it('run a script written for Lua 5.1: unpack, table.getn, whole floats printed without .0', async () => {
    const body = `
  local a, b = unpack({ 10, 2 })
  local ratio = a / b
  return { healthy = true, message = tostring(ratio) .. " " .. table.getn({ 1, 2, 3 }) .. " " .. _VERSION }`;
    assert.equal(await message(body), '5 3 Lua 5.1');
  });

  it('refuse what only later Lua versions accept, as Sveltos would', async () => {
    const r = await runHealthScript('function evaluate() return { healthy = 7 // 2 == 3 } end', null);
    assert.equal(r.ok, false);
    assert.match(!r.ok ? r.error : '', /^script:1: unexpected symbol near '\/'/);
    assert.deepEqual(await luaSyntaxError('function evaluate()\n  goto done\n  ::done::\nend'), {
      line: 2,
      message: "'=' expected near 'done'",
    });
  });

  it('give the script the metric values as the global metrics table (empty without queries)', async () => {
    const body = 'return { healthy = metrics.error_rate < 0.05, message = "error rate " .. metrics.error_rate }';
    assert.equal(await message(body, null, { metrics: { error_rate: 0.2 } }), 'error rate 0.2');
    assert.equal(
      await message('return { healthy = true, message = type(metrics) .. " " .. tostring(next(metrics)) }'),
      'table nil',
    );
  });

  it('preload json: decode and encode as glua-json does', async () => {
    const body = `
  local json = require("json")
  local v = json.decode('{"ready": true, "replicas": [1, 2], "name": "web", "none": null}')
  local out = json.encode({ b = v.replicas, a = v.name, c = {} })
  local _, err = json.decode("{nope")
  return { healthy = v.ready, message = out .. " | " .. tostring(v.none) .. " | " .. tostring(err ~= nil) }`;
    assert.equal(await message(body), '{"a":"web","b":[1,2],"c":[]} | nil | true');
  });

  it('preload strings, runes and sprig with the functions health scripts use', async () => {
    const body = `
  local strings, sprig, runes = require("strings"), require("sprig"), require("runes")
  local parts = strings.Split("a,b,c", ",")
  local image = "registry.io/team/web:1.2.3"
  return { healthy = strings.HasPrefix(image, "registry.io/") and strings.Contains(image, ":1.2"),
    message = table.concat(parts, "+") .. " " .. strings.Index(image, "/") .. " " ..
      strings.TrimSpace("  x  ") .. " " .. strings.ToUpper(strings.TrimSuffix(image, ":1.2.3")) .. " " ..
      sprig.quote("q") .. " " .. sprig.trunc(3, "abcdef") .. " " .. runes.runecount("héllo") }`;
    assert.equal(await message(body), 'a+b+c 11 x REGISTRY.IO/TEAM/WEB "q" abc 5');
  });

  it('provide base64Encode, base64Decode and getResource as libsveltos registers them', async () => {
    const body = `
  local enc = base64Encode("kubectl-promotion")
  local empty, why = base64Encode("")
  local resources = { web = { kind = "Deployment" } }
  return { healthy = base64Decode(enc) == "kubectl-promotion" and empty == nil,
    message = enc .. " " .. why .. " " .. getResource(resources, "web").kind .. " "
      .. tostring(getResource(resources, "x")) }`;
    assert.equal(await message(body), 'a3ViZWN0bC1wcm9tb3Rpb24= provided string is empty Deployment nil');
  });

  it('fail with a message naming what the sandbox does not provide, not a nil-call error', async () => {
    assert.match(
      await message('local s = require("sprig") return { healthy = s.semverCompare(">1", "2") }'),
      /^ERROR script:2: sprig\.semverCompare is not provided by kubectl-promotion's Lua sandbox \(Sveltos has it/,
    );
    assert.match(
      await message('return { healthy = io.open("/etc/passwd") ~= nil }'),
      /^ERROR script:2: io is not available in the health-check sandbox/,
    );
    assert.match(
      await message('return { healthy = os.execute("true") }'),
      /^ERROR script:2: os\.execute is not available in the health-check sandbox/,
    );
    assert.match(
      await message('local x = require("socket") return {}'),
      /^ERROR script:2: module 'socket' not found: the Lua sandbox preloads only json, strings, runes and sprig/,
    );
  });
});

describe('Lua syntax errors for lint', () => {
  it('give the line within the script and the compiler message, without running it', async () => {
    assert.deepEqual(await luaSyntaxError('function evaluate()\n  local hs = \n  return hs\nend'), {
      line: 3,
      message: "unexpected symbol near 'return'",
    });
    assert.deepEqual(await luaSyntaxError('function evaluate()\n  return {}\n'), {
      line: 3,
      message: "'end' expected (to close 'function' at line 1) near '<eof>'",
    });
  });

  it('accept a valid script, even one that would loop forever if run', async () => {
    assert.equal(await luaSyntaxError(REPLICAS_MATCH), null);
    assert.equal(await luaSyntaxError('while true do end'), null);
  });
});
