// CEL rules of a ValidateHealth, as libsveltos evaluates them: the object is the variable
// `resource` (dyn), rules run in order and the object is healthy as soon as one returns true; a
// rule that fails to compile, errors or returns a non-bool simply does not match.
//
// Sveltos sets no cost limit; a rehearsal bounds each rule as Kubernetes bounds CEL, so that one
// rule cannot hang a simulation or the served API: every iteration of a comprehension (all, exists,
// map, filter...) costs one unit, and a rule stops at CEL_COST_LIMIT units with a clear failure.
// Loops are the only way a CEL expression's work outgrows its size and its input. lint estimates
// the same cost before anything runs (estimateCelCost) and warns past the same budget. As in
// Kubernetes the unit is roughly one operation: an iteration costs the operations of its loop
// condition and step (a nested loop's own iterations are counted by that loop).
import type { CELRule, KubeObject } from '../api/types.ts';
import { CelScalar, celEnv, celFunc, celType, isCelError, parse, plan } from '@bufbuild/cel';
import type { CelInput, CelResult } from '@bufbuild/cel';

type Expr = ReturnType<typeof parse>['expr'];
type Program = (bindings: { resource: CelInput }) => CelResult;
type Compiled = { program: Program; error: null } | { program: null; error: string };

/** Cost units one rule may spend on one object (Kubernetes's per-call limit is also 1,000,000). */
export const CEL_COST_LIMIT = 100_000;
/** The size lint assumes for a list or map whose size it cannot know before the rule runs. */
export const CEL_ASSUMED_LIST_SIZE = 100;

// The running rule's cost; evaluation is synchronous, so one counter serves every rule in turn.
const meter = { spent: 0, limit: CEL_COST_LIMIT, exceeded: false };
const TICK = 'kubectl_promotion_cost_tick';

// Wraps every comprehension's loop condition: it is evaluated once per iteration, and answering
// with an error ends the loop, so once the budget is spent every enclosing loop ends at its next
// iteration too and the rule returns promptly.
const tick = celFunc(TICK, [CelScalar.DYN, CelScalar.INT], CelScalar.DYN, (condition, weight) => {
  meter.spent += Number(weight);
  if (meter.spent > meter.limit) {
    meter.exceeded = true;
    throw new Error('cost limit exceeded');
  }
  return condition as CelInput;
});

// cel-go's default environment, which libsveltos uses: the standard library, no extensions
// (plus the cost meter, which no rule can name: see firstUndeclared).
const env = celEnv({ variables: { resource: CelScalar.DYN }, funcs: [tick] });

// Operators the planner implements itself rather than through the function registry.
const PLANNER_FUNCTIONS = new Set(['_&&_', '_||_', '_?_:_', '_[_]', '@not_strictly_false']);
// Identifiers that name types (`type(x) == int`) rather than variables.
const TYPE_IDENTS = new Set([
  'int',
  'uint',
  'double',
  'bool',
  'string',
  'bytes',
  'list',
  'map',
  'null_type',
  'type',
  'dyn',
  'google',
]);

// Rule texts repeat across every object of every cluster; compile each once. The bound only
// guards a long-lived process against unbounded distinct texts (edited specs).
const CACHE_LIMIT = 2000;
const cache = new Map<string, Compiled>();

function compile(rule: string): Compiled {
  const hit = cache.get(rule);
  if (hit) return hit;
  const compiled = compileUncached(rule);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(rule, compiled);
  return compiled;
}

function compileUncached(rule: string): Compiled {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(rule);
  } catch (e) {
    return { program: null, error: `failed to parse CEL expression: ${errorText(e)}` };
  }
  const undeclared = firstUndeclared(parsed.expr, new Set(['resource']));
  if (undeclared !== null) {
    return { program: null, error: `failed to check CEL expression: undeclared reference to '${undeclared}'` };
  }
  try {
    meterLoops(parsed.expr, { next: maxId(parsed.expr) + 1 });
    return { program: plan(env, parsed) as Program, error: null };
  } catch (e) {
    return { program: null, error: `failed to create CEL program: ${errorText(e)}` };
  }
}

/**
 * The type checker of cel-go rejects names it does not know; @bufbuild/cel only finds them when
 * the rule runs, so without this a misspelt variable would only ever show up as "not healthy".
 */
function firstUndeclared(expr: Expr | undefined, scope: ReadonlySet<string>): string | null {
  const kind = expr?.exprKind;
  if (!kind) return null;
  switch (kind.case) {
    case 'identExpr':
      return scope.has(kind.value.name) || TYPE_IDENTS.has(kind.value.name) ? null : kind.value.name;
    case 'selectExpr':
      return firstUndeclared(kind.value.operand, scope);
    case 'callExpr': {
      const call = kind.value;
      if (call.function === TICK) return call.function;
      if (!PLANNER_FUNCTIONS.has(call.function) && !env.funcs.find(call.function)) return call.function;
      for (const e of [call.target, ...call.args]) {
        const found = firstUndeclared(e, scope);
        if (found !== null) return found;
      }
      return null;
    }
    case 'listExpr':
      for (const e of kind.value.elements) {
        const found = firstUndeclared(e, scope);
        if (found !== null) return found;
      }
      return null;
    case 'structExpr':
      for (const entry of kind.value.entries) {
        const key = entry.keyKind.case === 'mapKey' ? firstUndeclared(entry.keyKind.value, scope) : null;
        const found = key ?? firstUndeclared(entry.value, scope);
        if (found !== null) return found;
      }
      return null;
    case 'comprehensionExpr': {
      const c = kind.value;
      const loopScope = new Set([...scope, c.iterVar, c.iterVar2, c.accuVar].filter((v) => v !== ''));
      const resultScope = new Set([...scope, c.accuVar]);
      return (
        firstUndeclared(c.iterRange, scope) ??
        firstUndeclared(c.accuInit, scope) ??
        firstUndeclared(c.loopCondition, loopScope) ??
        firstUndeclared(c.loopStep, loopScope) ??
        firstUndeclared(c.result, resultScope)
      );
    }
    default:
      return null;
  }
}

/** Every node's children, for the walks below. */
function children(expr: Expr | undefined): Expr[] {
  const kind = expr?.exprKind;
  if (!kind) return [];
  switch (kind.case) {
    case 'selectExpr':
      return kind.value.operand ? [kind.value.operand] : [];
    case 'callExpr':
      return [kind.value.target, ...kind.value.args].filter((e): e is Expr => e !== undefined);
    case 'listExpr':
      return kind.value.elements;
    case 'structExpr':
      return kind.value.entries.flatMap((entry) => [
        ...(entry.keyKind.case === 'mapKey' && entry.keyKind.value ? [entry.keyKind.value] : []),
        ...(entry.value ? [entry.value] : []),
      ]);
    case 'comprehensionExpr': {
      const c = kind.value;
      return [c.iterRange, c.accuInit, c.loopCondition, c.loopStep, c.result].filter((e): e is Expr => e !== undefined);
    }
    default:
      return [];
  }
}

function maxId(expr: Expr | undefined): number {
  let max = Number(expr?.id ?? 0);
  for (const child of children(expr)) max = Math.max(max, maxId(child));
  return max;
}

/** Puts the cost meter around every comprehension's loop condition (in place, before planning). */
function meterLoops(expr: Expr | undefined, ids: { next: number }): void {
  for (const child of children(expr)) meterLoops(child, ids);
  const kind = expr?.exprKind;
  if (kind?.case !== 'comprehensionExpr' || !kind.value.loopCondition) return;
  const condition = kind.value.loopCondition;
  const weight = iterationWeight(kind.value);
  const wrapper = structuredClone(TICK_TEMPLATE);
  wrapper.id = BigInt(ids.next++);
  if (wrapper.exprKind.case === 'callExpr') {
    const [, weightArg] = wrapper.exprKind.value.args;
    weightArg!.id = BigInt(ids.next++);
    if (weightArg!.exprKind.case === 'constExpr')
      weightArg!.exprKind.value.constantKind = { case: 'int64Value', value: BigInt(weight) };
    wrapper.exprKind.value.args = [condition, weightArg!];
  }
  kind.value.loopCondition = wrapper;
}

// A call of the meter, parsed once; meterLoops copies it around each loop condition.
const TICK_TEMPLATE = parse(`${TICK}(true, 1)`).expr!;

type Comprehension = Extract<NonNullable<Expr>['exprKind'], { case: 'comprehensionExpr' }>['value'];

/** What one iteration of a loop costs: the operations of its condition and step, nested loops aside. */
function iterationWeight(c: Comprehension): number {
  return Math.max(1, operations(c.loopCondition) + operations(c.loopStep));
}

function operations(expr: Expr | undefined): number {
  if (!expr?.exprKind?.case) return 0;
  if (expr.exprKind.case === 'comprehensionExpr') return 1;
  return 1 + children(expr).reduce((sum, e) => sum + operations(e), 0);
}

/**
 * The most a rule can cost, in the units of CEL_COST_LIMIT: the iterations of its comprehensions,
 * nested loops multiplying. A list or map written in the rule has its own size; any other (a
 * field of the object) is assumed to hold CEL_ASSUMED_LIST_SIZE items. null when it does not parse.
 */
export function estimateCelCost(rule: string): number | null {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(rule);
  } catch {
    return null;
  }
  return loopCost(parsed.expr);
}

function loopCost(expr: Expr | undefined): number {
  const kind = expr?.exprKind;
  if (kind?.case !== 'comprehensionExpr') return children(expr).reduce((sum, e) => sum + loopCost(e), 0);
  const c = kind.value;
  const range = c.iterRange?.exprKind;
  const size =
    range?.case === 'listExpr'
      ? range.value.elements.length
      : range?.case === 'structExpr'
        ? range.value.entries.length
        : CEL_ASSUMED_LIST_SIZE;
  const perIteration = iterationWeight(c) + loopCost(c.loopCondition) + loopCost(c.loopStep);
  return loopCost(c.iterRange) + loopCost(c.accuInit) + size * perIteration + loopCost(c.result);
}

function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Why a rule would never compile (for `kubectl promotion lint`), or null when it compiles. */
export function celCompileError(rule: string): { message: string } | null {
  const { error } = compile(rule);
  return error === null ? null : { message: error };
}

/**
 * Kubernetes decodes JSON integers as int64, so CEL sees `status.succeeded` as an int; JS numbers
 * would reach CEL as doubles and, for instance, `string(x)` would read "1.0" instead of "1".
 */
export function toCelValue(value: unknown): CelInput {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCelValue);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, CelInput> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = toCelValue(v);
    }
    return out;
  }
  return value as CelInput;
}

export interface CelRuleFailure {
  rule: string;
  message: string;
}

export interface CelVerdict {
  healthy: boolean;
  /** Rules that could not give an answer (compile or evaluation errors, non-bool results). */
  failures: CelRuleFailure[];
}

/** Rules in order; the first one that returns true makes the object healthy. */
export function evaluateCelRules(
  rules: readonly CELRule[],
  obj: KubeObject,
  options: { costLimit?: number } = {},
): CelVerdict {
  if (rules.length === 0) return { healthy: true, failures: [] };
  const failures: CelRuleFailure[] = [];
  const resource = toCelValue(obj);
  for (const rule of rules) {
    const compiled = compile(rule.rule);
    if (compiled.error !== null) {
      failures.push({ rule: rule.name, message: compiled.error });
      continue;
    }
    meter.spent = 0;
    meter.exceeded = false;
    meter.limit = options.costLimit ?? CEL_COST_LIMIT;
    const result = compiled.program({ resource });
    if (meter.exceeded) {
      failures.push({
        rule: rule.name,
        message: `exceeded the cost limit of ${meter.limit} units`,
      });
    } else if (isCelError(result)) {
      failures.push({ rule: rule.name, message: `failed to evaluate CEL expression: ${result.message}` });
    } else if (typeof result !== 'boolean') {
      failures.push({ rule: rule.name, message: `expected boolean result, got: ${celType(result).name}` });
    } else if (result) {
      return { healthy: true, failures: [] };
    }
  }
  return { healthy: false, failures };
}
