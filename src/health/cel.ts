// CEL rules of a ValidateHealth, as libsveltos evaluates them: the object is the variable
// `resource` (dyn), rules run in order and the object is healthy as soon as one returns true; a
// rule that fails to compile, errors or returns a non-bool simply does not match.
import type { CELRule, KubeObject } from '../api/types.ts';
import { CelScalar, celEnv, celType, isCelError, parse, plan } from '@bufbuild/cel';
import type { CelInput, CelResult } from '@bufbuild/cel';

type Expr = ReturnType<typeof parse>['expr'];
type Program = (bindings: { resource: CelInput }) => CelResult;
type Compiled = { program: Program; error: null } | { program: null; error: string };

// cel-go's default environment, which libsveltos uses: the standard library, no extensions.
const env = celEnv({ variables: { resource: CelScalar.DYN } });

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
export function evaluateCelRules(rules: readonly CELRule[], obj: KubeObject): CelVerdict {
  if (rules.length === 0) return { healthy: true, failures: [] };
  const failures: CelRuleFailure[] = [];
  const resource = toCelValue(obj);
  for (const rule of rules) {
    const compiled = compile(rule.rule);
    if (compiled.error !== null) {
      failures.push({ rule: rule.name, message: compiled.error });
      continue;
    }
    const result = compiled.program({ resource });
    if (isCelError(result)) {
      failures.push({ rule: rule.name, message: `failed to evaluate CEL expression: ${result.message}` });
    } else if (typeof result !== 'boolean') {
      failures.push({ rule: rule.name, message: `expected boolean result, got: ${celType(result).name}` });
    } else if (result) {
      return { healthy: true, failures: [] };
    }
  }
  return { healthy: false, failures };
}
