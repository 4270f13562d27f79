// The Lua `script` of a ValidateHealth, run the way addon-controller runs it: in Lua 5.1 (Sveltos
// uses gopher-lua, a Lua 5.1), in a fresh state per evaluation, with the helpers and modules
// libsveltos preloads. The script defines `evaluate()`, sees the object as the global `obj` (and
// as evaluate's argument) and the metric values as the global table `metrics`, and returns
// `{healthy = bool, message = string}`.
//
// The Lua is PUC Lua 5.1.5 compiled to WebAssembly (the npm package lua-wasm-bindings, which
// ships each Lua release from 5.0 to 5.4 in one module per version): the real 5.1 grammar and
// library, so `unpack`, `table.getn`, whole floats printed without ".0" and `//` refused behave
// as under Sveltos. Its bindings export only a small part of the C API (no C functions callable
// from Lua, no allocator or hook of our own), so data crosses as Lua source and strings, the
// instruction limit is a count hook set from Lua (src/health/lua-prelude.ts) and the memory
// limit caps the WebAssembly heap itself: a state that asks for more gets Lua's "not enough
// memory" error, which Lua recovers from.
//
// Neither limit sees time spent inside a C function: Lua 5.1's pattern matcher backtracks for
// minutes on a long subject and a pattern of many `.-`, without executing one Lua instruction. So
// scripts run in a worker thread under a wall-clock limit, and a worker that passes it is
// terminated (WebAssembly cannot be interrupted from its own thread): the check fails with "Lua
// script exceeded the time limit", the served API's event loop is never the one blocked, and an
// input that timed out once fails the same way without running again (the same failure every run).
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { KubeObject } from '../api/types.ts';
import * as glueModule from 'lua-wasm-bindings/dist/glue/glue-lua-5.1.5.js';
import { PRELUDE } from './lua-prelude.ts';

export interface LuaRunOptions {
  /** Lua VM instructions one evaluation may execute before it is stopped. */
  instructionLimit?: number;
  /** Bytes one evaluation may allocate on top of what the VM holds between evaluations. */
  memoryLimit?: number;
  /** What `os.time()` and `os.date()` take as the current time (the simulator's clock). */
  now?: Date;
  /** The script's global `metrics`: each metric query's name and value (empty when there are none). */
  metrics?: Readonly<Record<string, number>>;
  /** Wall-clock milliseconds one evaluation may take (its worker is terminated then). */
  timeLimitMs?: number;
}

export type LuaScriptResult = { ok: true; healthy: boolean; message: string } | { ok: false; error: string };

export const DEFAULT_INSTRUCTION_LIMIT = 10_000_000;
export const DEFAULT_MEMORY_LIMIT = 64 * 1024 * 1024;
/** Far above what the instruction limit lets a script spend in Lua itself (well under a second). */
export const DEFAULT_TIME_LIMIT_MS = 10_000;

/** The failure of a script stopped by the wall-clock limit (see the file comment). */
export function timeLimitError(ms: number): string {
  const why = 'a C function such as string.find can backtrack for minutes';
  return `Lua script exceeded the time limit of ${goSeconds(ms)} (${why})`;
}

function goSeconds(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000}s` : `${ms}ms`;
}

/** libsveltos's wording when `evaluate()` does not return a table. */
export const LUA_TABLE_ERROR = 'lua script output is not a lua table';

// The instruction count is checked every HOOK_INTERVAL instructions; a smaller interval makes
// every script slower, a larger one lets a runaway script overshoot further.
const HOOK_INTERVAL = 1000;
// Strings go through emscripten's stack (4 bytes a UTF-16 unit at most): longer ones in pieces.
const PIECE = 32 * 1024;
const WASM_FILE = 'glue-lua-5.1.5.wasm';
const LUA_OK = 0;
// Inputs that can be long and are stored in pieces; the others are short numbers and flags.
const LONG_INPUTS = new Set(['prelude', 'script', 'object', 'metrics']);
const LUA_ERRMEM = 4;
// What the prelude raises when a limit stops a script (src/health/lua-prelude.ts).
const LIMIT_SENTINEL = 'kubectl-promotion: instruction limit';
const MEMORY_SENTINEL = 'kubectl-promotion: memory limit';

interface Vm {
  module: { HEAPU8: Uint8Array };
  heapLimit: { bytes: number };
  newstate(): number;
  openlibs(L: number): void;
  close(L: number): void;
  loadstring(L: number, code: string): number;
  pcall(L: number, nargs: number, nresults: number, errfunc: number): number;
  tostring(L: number, index: number): string | null;
  pushstring(L: number, s: string): void;
  setfield(L: number, index: number, key: string): void;
  settop(L: number, index: number): void;
  gettop(L: number): number;
  /** The prelude, compiled once per state. */
}

// The part of the WebAssembly API used here (the project's lib has no DOM types).
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}

let current: Vm | null = null;

/** Where the Lua WebAssembly is: installed beside the package, or beside this bundle (the standalone build). */
function wasmPath(): string {
  try {
    return createRequire(import.meta.url).resolve(`lua-wasm-bindings/dist/glue/${WASM_FILE}`);
  } catch {
    return fileURLToPath(new URL(`./${WASM_FILE}`, import.meta.url));
  }
}

function createVm(): Vm {
  const heapLimit = { bytes: Number.POSITIVE_INFINITY };
  // The package's module is CommonJS (`module.exports = factory`), typed as an ES default export.
  const glue = ((glueModule as { default?: unknown }).default ?? glueModule) as (overrides: object) => unknown;
  const module = glue({
    print() {},
    printErr() {},
    // Instantiates the module ourselves to put a ceiling on the heap: the growth request is where
    // the memory limit is enforced.
    instantiateWasm(info: { a: Record<string, (...args: number[]) => unknown> }, receive: (i: unknown) => void) {
      // `n` is emscripten_resize_heap in this build's import table (see the glue's asmLibraryArg).
      const grow = info.a.n!;
      info.a.n = (requested: number) => (requested >>> 0 > heapLimit.bytes ? false : grow(requested));
      const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;
      const instance = new wasm.Instance(new wasm.Module(readFileSync(wasmPath())), info);
      receive(instance);
      return instance.exports;
    },
  }) as unknown as { HEAPU8: Uint8Array; cwrap: (...a: unknown[]) => (...a: unknown[]) => unknown };
  const c = module.cwrap as (name: string, ret: string | null, args: string[]) => (...a: unknown[]) => never;
  return {
    module,
    heapLimit,
    newstate: c('luaL_newstate', 'number', []),
    openlibs: c('luaL_openlibs', null, ['number']),
    close: c('lua_close', null, ['number']),
    loadstring: c('luaL_loadstring', 'number', ['number', 'string']),
    pcall: c('lua_pcall', 'number', ['number', 'number', 'number', 'number']),
    tostring: c('lua_tolstring', 'string', ['number', 'number', 'number']),
    pushstring: c('lua_pushstring', null, ['number', 'string']),
    setfield: c('lua_setfield', null, ['number', 'number', 'string']),
    settop: c('lua_settop', null, ['number', 'number']),
    gettop: c('lua_gettop', 'number', ['number']),
  };
}

function vm(): Vm {
  current ??= createVm();
  return current;
}

/** A JSON value as a Lua 5.1 expression. */
function luaString(s: string): string {
  // Decimal escapes are Lua 5.1's only numeric ones; bytes >= 0x80 pass through as UTF-8.
  return `"${s.replace(/[\\"\x00-\x1f\x7f]/g, (ch) => `\\${ch === '\\' || ch === '"' ? ch : ch.charCodeAt(0)}`)}"`;
}

function luaNumber(n: number): string {
  if (Number.isNaN(n)) return '(0/0)';
  if (!Number.isFinite(n)) return n > 0 ? '(1/0)' : '(-1/0)';
  return String(n);
}

/**
 * The object as libsveltos's MapToTable builds it: maps become tables, null is left out, and an
 * array keeps only its tables, strings, booleans and non-integral numbers. That last rule is
 * Sveltos's, not ours: the Kubernetes client decodes whole JSON numbers as int64, which its array
 * case does not handle, so `[80, 443]` reaches a script as an empty table, and so does a nested
 * array. Integers inside objects arrive as numbers.
 */
function luaObject(value: unknown, out: string[]): void {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'string') out.push(luaString(value));
    else if (typeof value === 'number') out.push(luaNumber(value));
    else if (typeof value === 'boolean') out.push(String(value));
    else out.push('nil');
    return;
  }
  out.push('{');
  if (Array.isArray(value)) {
    for (const element of value) {
      const kept =
        typeof element === 'string' ||
        typeof element === 'boolean' ||
        (typeof element === 'number' && !Number.isInteger(element)) ||
        (element !== null && typeof element === 'object' && !Array.isArray(element));
      if (!kept) continue;
      luaObject(element, out);
      out.push(',');
    }
  } else {
    for (const [key, v] of Object.entries(value)) {
      if (v === null || v === undefined) continue;
      out.push('[', luaString(key), ']=');
      luaObject(v, out);
      out.push(',');
    }
  }
  out.push('}');
}

function metricsSource(metrics: Readonly<Record<string, number>>): string {
  const entries = Object.entries(metrics).map(([k, v]) => `[${luaString(k)}]=${luaNumber(v)}`);
  return `return {${entries.join(',')}}`;
}

/** Stores `value` in the table on top of the stack under `key`, in pieces if it is long. */
function storeString(v: Vm, L: number, key: string, value: string): void {
  const pieces = Math.max(1, Math.ceil(value.length / PIECE));
  for (let i = 0; i < pieces; i++) {
    v.pushstring(L, value.slice(i * PIECE, (i + 1) * PIECE));
    v.setfield(L, -2, `${key}#${i + 1}`);
  }
  v.pushstring(L, String(pieces));
  v.setfield(L, -2, `${key}#n`);
}

// Runs first in each state: joins the pieces and compiles each input, so that a syntax error in
// the script is reported as the script's own, with its line.
const LOADER = `
local inputs = ...
local function joined(key)
  local parts = {}
  for i = 1, tonumber(inputs[key .. "#n"]) do parts[i] = inputs[key .. "#" .. i] end
  return table.concat(parts)
end
local prelude = assert(loadstring(joined("prelude"), "=prelude"))
local script, err = loadstring(joined("script"), "=script")
if not script then return "syntax\\n" .. err end
local object = loadstring("return " .. joined("object"), "=object")
if not object then return "error\\nthe object is too large or too deeply nested for the Lua sandbox" end
local metrics = assert(loadstring(joined("metrics"), "=metrics"))
if inputs.compileOnly then return "compiled" end
local now = tonumber(inputs.now)
return prelude(script, object, metrics, now, tonumber(inputs.maxHookCalls), tonumber(inputs.hookInterval),
  tonumber(inputs.memoryKB))
`;

/**
 * Runs a health script on one object (or on none: `obj` is nil for a check without a kind), in the
 * Lua worker under the wall-clock limit. Never throws for anything a script does; the error text is
 * what the user needs to fix it.
 */
export async function runHealthScript(
  script: string,
  obj: KubeObject | null,
  options: LuaRunOptions = {},
): Promise<LuaScriptResult> {
  const job = prepare(script, obj, options);
  const timeLimitMs = options.timeLimitMs ?? DEFAULT_TIME_LIMIT_MS;
  const key = createHash('sha256')
    .update(JSON.stringify([job.inputs, job.memoryLimit]))
    .digest('base64');
  if (timedOut.has(key)) return { ok: false, error: timeLimitError(timeLimitMs) };
  const outcome = await runInWorker(job, timeLimitMs);
  if (outcome === 'timeout') {
    if (timedOut.size >= TIMED_OUT_KEPT) timedOut.delete(timedOut.values().next().value!);
    timedOut.add(key);
    return { ok: false, error: timeLimitError(timeLimitMs) };
  }
  return interpret(outcome, job);
}

/** The same evaluation on the calling thread: bounded by instructions and memory only. */
export function runHealthScriptSync(
  script: string,
  obj: KubeObject | null,
  options: LuaRunOptions = {},
): LuaScriptResult {
  const job = prepare(script, obj, options);
  return interpret(run(job.inputs, job.memoryLimit), job);
}

interface Job {
  inputs: Record<string, string>;
  memoryLimit: number;
  instructionLimit: number;
}

function prepare(script: string, obj: KubeObject | null, options: LuaRunOptions): Job {
  const instructionLimit = options.instructionLimit ?? DEFAULT_INSTRUCTION_LIMIT;
  const memoryLimit = options.memoryLimit ?? DEFAULT_MEMORY_LIMIT;
  const objectSource: string[] = [];
  luaObject(obj, objectSource);
  return {
    inputs: {
      script,
      object: objectSource.join(''),
      metrics: metricsSource(options.metrics ?? {}),
      now: options.now ? String(Math.floor(options.now.getTime() / 1000)) : '',
      maxHookCalls: String(Math.ceil(instructionLimit / HOOK_INTERVAL)),
      hookInterval: String(HOOK_INTERVAL),
      memoryKB: String(memoryLimit / 1024),
    },
    memoryLimit,
    instructionLimit,
  };
}

function interpret(outcome: Outcome, { memoryLimit, instructionLimit }: Job): LuaScriptResult {
  // A limit that stopped a coroutine surfaces as the script's error rather than the run's.
  const raised = outcome.text.startsWith('error\n') ? outcome.text.slice('error\n'.length) : outcome.text;
  if (outcome.status === LUA_ERRMEM || raised === MEMORY_SENTINEL) {
    return { ok: false, error: `script exceeded the memory limit of ${Math.round(memoryLimit / 1048576)} MiB` };
  }
  if (raised === LIMIT_SENTINEL) {
    return { ok: false, error: `script exceeded the limit of ${instructionLimit} Lua instructions (runaway loop?)` };
  }
  if (outcome.status !== LUA_OK) return { ok: false, error: outcome.text };
  return readResult(outcome.text);
}

// ---- the Lua worker -----------------------------------------------------------------------------

// The worker is this very module, started with this flag: it then answers runs instead of asking
// for them. (The bundle keeps the module in a chunk file of its own name, which the worker loads.)
const WORKER_FLAG = 'kubectl-promotion/lua-worker';
// Inputs that timed out, as hashes: the first ones seen are forgotten first.
const TIMED_OUT_KEPT = 1000;
const timedOut = new Set<string>();

interface LuaWorker {
  worker: Worker;
  /** Resolves when the worker has its VM, so that start-up never counts against a script's time. */
  ready: Promise<boolean>;
}

let luaWorker: LuaWorker | null = null;
/** Set when no worker can be started here: scripts then run on the calling thread. */
let workersUnavailable = false;
/** One run at a time: a run's clock starts when the worker takes it. */
let queue: Promise<unknown> = Promise.resolve();

function startWorker(): LuaWorker | null {
  if (workersUnavailable) return null;
  let worker: Worker;
  try {
    worker = new Worker(new URL(import.meta.url), { workerData: { [WORKER_FLAG]: true } });
  } catch {
    workersUnavailable = true;
    return null;
  }
  worker.unref();
  const ready = new Promise<boolean>((resolve) => {
    worker.once('message', (m: unknown) => resolve(m === 'ready'));
    worker.once('error', () => resolve(false));
    worker.once('exit', () => resolve(false));
  });
  return { worker, ready };
}

function runInWorker(job: Job, timeLimitMs: number): Promise<Outcome | 'timeout'> {
  const next = queue.then(() => runOne(job, timeLimitMs));
  queue = next.catch(() => undefined);
  return next;
}

async function runOne(job: Job, timeLimitMs: number): Promise<Outcome | 'timeout'> {
  luaWorker ??= startWorker();
  const w = luaWorker;
  if (!w) return run(job.inputs, job.memoryLimit);
  w.worker.ref();
  try {
    if (!(await w.ready)) {
      // The worker could not load this module (a build that cannot start one): never again here.
      workersUnavailable = true;
      luaWorker = null;
      void w.worker.terminate();
      return run(job.inputs, job.memoryLimit);
    }
    return await new Promise<Outcome | 'timeout'>((resolve) => {
      const timer = setTimeout(() => {
        cleanup();
        if (luaWorker === w) luaWorker = null;
        void w.worker.terminate();
        resolve('timeout');
      }, timeLimitMs);
      const onMessage = (outcome: Outcome) => {
        cleanup();
        resolve(outcome);
      };
      const onExit = () => {
        cleanup();
        if (luaWorker === w) luaWorker = null;
        resolve({ status: -1, text: 'Lua VM failure: the Lua worker stopped' });
      };
      const cleanup = () => {
        clearTimeout(timer);
        w.worker.off('message', onMessage);
        w.worker.off('exit', onExit);
      };
      w.worker.on('message', onMessage);
      w.worker.on('exit', onExit);
      w.worker.postMessage(job);
    });
  } finally {
    w.worker.unref();
  }
}

if (!isMainThread && parentPort && (workerData as Record<string, unknown> | null)?.[WORKER_FLAG]) {
  const port = parentPort;
  try {
    vm();
    port.postMessage('ready');
  } catch {
    port.postMessage('failed');
  }
  port.on('message', (job: Job) => port.postMessage(run(job.inputs, job.memoryLimit)));
}

interface Outcome {
  status: number;
  text: string;
}

function run(inputs: Record<string, string> & { compileOnly?: string }, memoryLimit: number): Outcome {
  let v: Vm;
  try {
    v = vm();
  } catch (e) {
    return { status: -1, text: `cannot start the Lua VM: ${e instanceof Error ? e.message : String(e)}` };
  }
  let L = 0;
  try {
    v.heapLimit.bytes = Number.POSITIVE_INFINITY;
    L = v.newstate();
    if (L === 0) return { status: LUA_ERRMEM, text: 'not enough memory' };
    v.openlibs(L);
    if (v.loadstring(L, LOADER) !== LUA_OK) throw new Error(`the Lua loader does not compile: ${v.tostring(L, -1)}`);
    if (v.loadstring(L, 'return {}') !== LUA_OK || v.pcall(L, 0, 1, 0) !== LUA_OK) throw new Error('no table');
    for (const [key, value] of Object.entries({ ...inputs, prelude: PRELUDE })) {
      if (!LONG_INPUTS.has(key)) {
        v.pushstring(L, value);
        v.setfield(L, -2, key);
      } else {
        storeString(v, L, key, value);
      }
    }
    // Everything the state holds so far is ours; the limit applies to what the script adds.
    v.heapLimit.bytes = v.module.HEAPU8.length + memoryLimit;
    const status = v.pcall(L, 1, 1, 0);
    const text = v.tostring(L, -1) ?? '(error object is not a string)';
    return { status, text };
  } catch (e) {
    // Only a broken VM gets here (a WebAssembly trap, such as a C stack overflow in the pattern
    // matcher): start a fresh one next time.
    current = null;
    return { status: -1, text: `Lua VM failure: ${e instanceof Error ? e.message : String(e)}` };
  } finally {
    if (current === v && L !== 0) {
      v.heapLimit.bytes = Number.POSITIVE_INFINITY;
      v.close(L);
    }
  }
}

function readResult(text: string): LuaScriptResult {
  const newline = text.indexOf('\n');
  const kind = newline < 0 ? text : text.slice(0, newline);
  const rest = newline < 0 ? '' : text.slice(newline + 1);
  switch (kind) {
    case 'syntax':
    case 'error':
      return { ok: false, error: rest };
    case 'noevaluate':
      return { ok: false, error: 'script does not define a function evaluate()' };
    case 'nottable':
      return { ok: false, error: LUA_TABLE_ERROR };
    // addon-controller decodes the table into {healthy bool, message string}: a missing field is
    // false / "", a field of another type is an error.
    case 'badhealthy':
      return { ok: false, error: `lua script output field "healthy" is a ${rest}, not a bool` };
    case 'badmessage':
      return { ok: false, error: `lua script output field "message" is a ${rest}, not a string` };
    case 'ok': {
      const second = rest.indexOf('\n');
      return { ok: true, healthy: rest.slice(0, second) === '1', message: rest.slice(second + 1) };
    }
    default:
      return { ok: false, error: text };
  }
}

/**
 * Compiles a script as Lua 5.1 without running it, for lint. The line is the script's own line
 * number, null when Lua did not name one.
 */
export async function luaSyntaxError(script: string): Promise<{ line: number | null; message: string } | null> {
  const outcome = run({ script, object: 'nil', metrics: 'return {}', compileOnly: '1' }, DEFAULT_MEMORY_LIMIT);
  if (outcome.status !== LUA_OK) return { line: null, message: outcome.text };
  if (!outcome.text.startsWith('syntax\n')) return null;
  const text = outcome.text.slice('syntax\n'.length);
  const m = /^script:(\d+): ([\s\S]*)$/.exec(text);
  return m ? { line: Number(m[1]), message: m[2]! } : { line: null, message: text };
}
