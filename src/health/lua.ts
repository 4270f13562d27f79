// The Lua `script` of a ValidateHealth, run the way addon-controller runs it: the script defines
// `evaluate()`, sees the object as the global `obj` (and as evaluate's argument) and returns
// `{healthy = bool, message = string}`.
//
// addon-controller opens a fresh gopher-lua state per object. A WebAssembly Lua state costs
// milliseconds to create, and a fleet evaluates thousands of objects, so one state is shared and
// isolation comes from the environment instead: every evaluation loads the script into a new
// `_ENV` table holding private copies of the standard libraries, so nothing a script assigns can
// be seen by the next one. The shared string metatable is locked for the same reason.
import type { KubeObject } from '../api/types.ts';
import { LUA_REGISTRYINDEX, LuaEventMasks, LuaFactory, LuaReturn, LuaType } from 'wasmoon';
import type { LuaEngine, LuaWasm } from 'wasmoon';

export interface LuaRunOptions {
  /** Lua VM instructions one evaluation may execute before it is stopped. */
  instructionLimit?: number;
  /** Bytes one evaluation may allocate on top of what the VM already holds. */
  memoryLimit?: number;
  /** What `os.time()` and `os.date()` take as the current time (the simulator's clock). */
  now?: Date;
}

export type LuaScriptResult = { ok: true; healthy: boolean; message: string } | { ok: false; error: string };

export const DEFAULT_INSTRUCTION_LIMIT = 10_000_000;
export const DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024;

/** libsveltos's wording when `evaluate()` does not return a table. */
export const LUA_TABLE_ERROR = 'lua script output is not a lua table';

// The instruction count is checked every HOOK_INTERVAL instructions; a smaller interval makes
// every script slower, a larger one lets a runaway script overshoot further.
const HOOK_INTERVAL = 1000;

// Runs in the shared state once. Returns the function every evaluation calls with
// (script, obj, now); it answers (outcome, a, b) and lets script errors propagate to lua_pcall.
const RUNNER = `
local real_load, real_time, real_date = load, os.time, os.date
local pairs, ipairs, rawget, type = pairs, ipairs, rawget, type

-- Strings share one metatable whose __index is the real string library; a script could
-- otherwise reach it through getmetatable("") and change it for every later script.
getmetatable("").__metatable = false

local BASE = { "assert", "error", "ipairs", "next", "pairs", "pcall", "rawequal", "rawget",
  "rawlen", "rawset", "select", "setmetatable", "getmetatable", "tonumber", "tostring", "type",
  "xpcall", "_VERSION" }
local LIBS = { string = string, table = table, math = math, utf8 = utf8, coroutine = coroutine }

local function copy(t)
  local c = {}
  for k, v in pairs(t) do c[k] = v end
  return c
end

-- libsveltos registers these helpers for every script.
local function field(o, section, key)
  if type(o) ~= "table" then return nil end
  local metadata = rawget(o, "metadata")
  if type(metadata) ~= "table" then return nil end
  local values = rawget(metadata, section)
  if type(values) ~= "table" then return nil end
  local v = rawget(values, key)
  if type(v) ~= "string" then return nil end
  return v
end

local function newEnv(now)
  local env = {}
  for _, name in ipairs(BASE) do env[name] = _G[name] end
  for name, lib in pairs(LIBS) do env[name] = copy(lib) end
  env.unpack = table.unpack -- gopher-lua is Lua 5.1, where scripts call unpack()
  env.os = {
    clock = os.clock,
    difftime = os.difftime,
    time = function(t) if t == nil and now ~= nil then return now end return real_time(t) end,
    date = function(fmt, t) return real_date(fmt, t or now) end,
  }
  env.print = function() end
  env.load = function(chunk, name, mode, e)
    return real_load(chunk, name, "t", e or env)
  end
  env.getLabel = function(o, key) return field(o, "labels", key) end
  env.getAnnotation = function(o, key) return field(o, "annotations", key) end
  env.metrics = {}
  env._G = env
  return env
end

return function(script, obj, now)
  local env = newEnv(now)
  env.obj = obj
  local chunk, err = real_load(script, "=script", "t", env)
  if not chunk then error(err, 0) end
  chunk()
  local evaluate = rawget(env, "evaluate")
  if type(evaluate) ~= "function" then return "noevaluate", type(evaluate) end
  local result = evaluate(obj)
  if type(result) ~= "table" then return "nottable", type(result) end
  return "ok", rawget(result, "healthy"), rawget(result, "message")
end
`;

interface Vm {
  engine: LuaEngine;
  lua: LuaWasm;
  L: number;
  runnerRef: number;
  hook: Hook;
}

interface Hook {
  pointer: number;
  calls: number;
  maxCalls: number;
  exceeded: boolean;
}

let vmPromise: Promise<Vm> | null = null;

function vm(): Promise<Vm> {
  vmPromise ??= createVm().catch((e: unknown) => {
    vmPromise = null;
    throw e;
  });
  return vmPromise;
}

async function createVm(): Promise<Vm> {
  const engine = await new LuaFactory().createEngine({
    openStandardLibs: true,
    injectObjects: false,
    enableProxy: false,
    traceAllocations: true,
  });
  const lua = engine.global.lua;
  const L = engine.global.address;
  loadChunk(lua, L, RUNNER, '=runner');
  if (lua.lua_pcallk(L, 0, 1, 0, 0, null) !== LuaReturn.Ok) {
    throw new Error(`health-check Lua runner failed to start: ${errorValue(lua, L, -1)}`);
  }
  const runnerRef = lua.luaL_ref(L, LUA_REGISTRYINDEX);
  const hook: Hook = { pointer: 0, calls: 0, maxCalls: 0, exceeded: false };
  hook.pointer = lua.module.addFunction((state: number) => {
    hook.calls += 1;
    if (hook.calls <= hook.maxCalls) return;
    // From now on every instruction fails, so a script cannot swallow the error with pcall
    // and carry on: the first instruction outside its pcall raises it again.
    hook.exceeded = true;
    lua.lua_sethook(state, hook.pointer, LuaEventMasks.Count, 1);
    if (state !== L) lua.lua_sethook(L, hook.pointer, LuaEventMasks.Count, 1);
    lua.lua_pushstring(state, 'instruction limit exceeded');
    lua.lua_error(state);
  }, 'vii');
  return { engine, lua, L, runnerRef, hook };
}

/** Loads `code` as a text chunk onto the stack; the status is LuaReturn.Ok or a syntax error. */
function loadChunk(lua: LuaWasm, L: number, code: string, chunkName: string): LuaReturn {
  const size = lua.module.lengthBytesUTF8(code);
  const buffer = lua.module._malloc(size + 1);
  try {
    lua.module.stringToUTF8(code, buffer, size + 1);
    return lua.luaL_loadbufferx(L, buffer, size, chunkName, 't');
  } finally {
    lua.module._free(buffer);
  }
}

/** The error value on the stack as text, without running any __tostring metamethod. */
function errorValue(lua: LuaWasm, L: number, index: number): string {
  const type = lua.lua_type(L, index);
  if (type === LuaType.String || type === LuaType.Number) return lua.lua_tolstring(L, index, null);
  return `(error object is a ${lua.lua_typename(L, type)} value)`;
}

function pushString(lua: LuaWasm, L: number, s: string): void {
  // lua_pushstring copies through the small emscripten stack and stops at NUL; long or binary
  // strings (ConfigMap data) go through the heap with an explicit length.
  if (s.length < 256 && !s.includes('\0')) {
    lua.lua_pushstring(L, s);
    return;
  }
  const size = lua.module.lengthBytesUTF8(s);
  const buffer = lua.module._malloc(size + 1);
  try {
    lua.module.stringToUTF8(s, buffer, size + 1);
    lua.lua_pushlstring(L, buffer, size);
  } finally {
    lua.module._free(buffer);
  }
}

/**
 * JSON to Lua: objects become tables, arrays 1-based sequences, integers Lua integers (so
 * tostring(3) is "3" as in gopher-lua), and null becomes nil. libsveltos drops null elements
 * of an array rather than leaving a hole, which keeps `#` and ipairs meaningful; so does this.
 */
function pushJson(lua: LuaWasm, L: number, value: unknown): void {
  if (value === null || value === undefined) {
    lua.lua_pushnil(L);
  } else if (typeof value === 'string') {
    pushString(lua, L, value);
  } else if (typeof value === 'number') {
    if (Number.isSafeInteger(value)) lua.lua_pushinteger(L, BigInt(value));
    else lua.lua_pushnumber(L, value);
  } else if (typeof value === 'bigint') {
    lua.lua_pushinteger(L, value);
  } else if (typeof value === 'boolean') {
    lua.lua_pushboolean(L, value ? 1 : 0);
  } else if (Array.isArray(value)) {
    lua.lua_checkstack(L, 3);
    lua.lua_createtable(L, value.length, 0);
    let n = 0;
    for (const element of value) {
      if (element === null || element === undefined) continue;
      pushJson(lua, L, element);
      lua.lua_rawseti(L, -2, BigInt(++n));
    }
  } else if (typeof value === 'object') {
    const entries = Object.entries(value).filter(([, v]) => v !== null && v !== undefined);
    lua.lua_checkstack(L, 3);
    lua.lua_createtable(L, 0, entries.length);
    for (const [key, v] of entries) {
      pushJson(lua, L, v);
      lua.lua_setfield(L, -2, key);
    }
  } else {
    lua.lua_pushnil(L);
  }
}

/**
 * Runs a health script on one object (or on none: `obj` is nil for a check without a kind).
 * Never throws for anything a script does; the error text is what the user needs to fix it.
 */
export async function runHealthScript(
  script: string,
  obj: KubeObject | null,
  options: LuaRunOptions = {},
): Promise<LuaScriptResult> {
  const v = await vm();
  const instructionLimit = options.instructionLimit ?? DEFAULT_INSTRUCTION_LIMIT;
  const memoryLimit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  const { lua, L, hook } = v;
  const global = v.engine.global;
  const top = lua.lua_gettop(L);
  try {
    lua.lua_rawgeti(L, LUA_REGISTRYINDEX, BigInt(v.runnerRef));
    pushString(lua, L, script);
    pushJson(lua, L, obj);
    if (options.now) lua.lua_pushinteger(L, BigInt(Math.floor(options.now.getTime() / 1000)));
    else lua.lua_pushnil(L);

    hook.calls = 0;
    hook.maxCalls = Math.ceil(instructionLimit / HOOK_INTERVAL);
    hook.exceeded = false;
    lua.lua_sethook(L, hook.pointer, LuaEventMasks.Count, HOOK_INTERVAL);
    global.setMemoryMax(global.getMemoryUsed() + memoryLimit);
    let status: number;
    try {
      status = lua.lua_pcallk(L, 3, 3, 0, 0, null);
    } finally {
      lua.lua_sethook(L, null, 0, 0);
      global.setMemoryMax(undefined);
    }

    if (hook.exceeded) {
      return { ok: false, error: `script exceeded the limit of ${instructionLimit} Lua instructions (runaway loop?)` };
    }
    if (status === LuaReturn.ErrorMem) {
      return { ok: false, error: `script exceeded the memory limit of ${Math.round(memoryLimit / 1048576)} MiB` };
    }
    if (status !== LuaReturn.Ok) return { ok: false, error: errorValue(lua, L, -1) };
    return readResult(lua, L, top + 1);
  } catch (e) {
    // Only a broken VM gets here (a WebAssembly trap); start a fresh one next time.
    vmPromise = null;
    return { ok: false, error: `Lua VM failure: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    if (vmPromise) lua.lua_settop(L, top);
  }
}

function readResult(lua: LuaWasm, L: number, base: number): LuaScriptResult {
  const outcome = lua.lua_tolstring(L, base, null);
  if (outcome === 'noevaluate') {
    return { ok: false, error: 'script does not define a function evaluate()' };
  }
  if (outcome === 'nottable') return { ok: false, error: LUA_TABLE_ERROR };

  // addon-controller decodes the table into {healthy bool, message string}: a missing field is
  // false / "", a field of another type is an error.
  const healthyType = lua.lua_type(L, base + 1);
  const messageType = lua.lua_type(L, base + 2);
  if (healthyType !== LuaType.Nil && healthyType !== LuaType.Boolean) {
    return {
      ok: false,
      error: `lua script output field "healthy" is a ${lua.lua_typename(L, healthyType)}, not a bool`,
    };
  }
  if (messageType !== LuaType.Nil && messageType !== LuaType.String) {
    return {
      ok: false,
      error: `lua script output field "message" is a ${lua.lua_typename(L, messageType)}, not a string`,
    };
  }
  return {
    ok: true,
    healthy: healthyType === LuaType.Boolean && lua.lua_toboolean(L, base + 1) !== 0,
    message: messageType === LuaType.String ? lua.lua_tolstring(L, base + 2, null) : '',
  };
}

/**
 * Compiles a script without running it, for lint. The line is the script's own line number,
 * null when Lua did not name one.
 */
export async function luaSyntaxError(script: string): Promise<{ line: number | null; message: string } | null> {
  const { lua, L } = await vm();
  const top = lua.lua_gettop(L);
  try {
    if (loadChunk(lua, L, script, '=script') === LuaReturn.Ok) return null;
    const text = errorValue(lua, L, -1);
    const m = /^script:(\d+): ([\s\S]*)$/.exec(text);
    return m ? { line: Number(m[1]), message: m[2]! } : { line: null, message: text };
  } finally {
    lua.lua_settop(L, top);
  }
}
