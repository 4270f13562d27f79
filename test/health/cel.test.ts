import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  CEL_ASSUMED_LIST_SIZE,
  CEL_COST_LIMIT,
  celCompileError,
  estimateCelCost,
  evaluateCelRules,
} from '../../src/health/cel.ts';
import { nestedAll } from './checks.ts';
import { deployment, job } from './objects.ts';

describe('CEL health rules', () => {
  const ready = deployment('prod', 'web', 3, 3);
  const starting = deployment('prod', 'web', 3, 0);

  it('see the object as `resource`', () => {
    const rules = [{ name: 'available', rule: 'resource.status.availableReplicas == resource.spec.replicas' }];
    assert.equal(evaluateCelRules(rules, ready).healthy, true);
    assert.equal(evaluateCelRules(rules, starting).healthy, false);
  });

  it('make the object healthy when any rule returns true', () => {
    const rules = [
      { name: 'available', rule: 'resource.status.availableReplicas == resource.spec.replicas' },
      { name: 'scaled-down', rule: 'resource.spec.replicas == 0' },
      { name: 'named-web', rule: 'resource.metadata.name == "web"' },
    ];
    assert.equal(evaluateCelRules(rules, starting).healthy, true);
    assert.equal(evaluateCelRules(rules.slice(0, 2), starting).healthy, false);
  });

  it('treat no rules as healthy', () => {
    assert.deepEqual(evaluateCelRules([], starting), { healthy: true, failures: [] });
  });

  it('see JSON integers as CEL ints, as Kubernetes decodes them', () => {
    const rules = [
      { name: 'int', rule: 'type(resource.spec.replicas) == int && string(resource.spec.replicas) == "3"' },
    ];
    assert.equal(evaluateCelRules(rules, ready).healthy, true);
  });

  it('let a rule that errors or returns a non-bool not match, and say why', () => {
    const rules = [
      { name: 'missing', rule: 'resource.status.succeeded > 0' },
      { name: 'name', rule: 'resource.metadata.name' },
    ];
    const verdict = evaluateCelRules(rules, starting);
    assert.equal(verdict.healthy, false);
    assert.deepEqual(
      verdict.failures.map((f) => f.rule),
      ['missing', 'name'],
    );
    assert.match(verdict.failures[0]!.message, /^failed to evaluate CEL expression: .*succeeded/);
    assert.equal(verdict.failures[1]!.message, 'expected boolean result, got: string');
  });

  it('evaluate a Job check the way Sveltos docs write it', () => {
    const rules = [{ name: 'completed', rule: 'has(resource.status.succeeded) && resource.status.succeeded > 0' }];
    assert.equal(evaluateCelRules(rules, job('ops', 'migrate', { succeeded: 1 })).healthy, true);
    assert.equal(evaluateCelRules(rules, job('ops', 'migrate', { active: 1 })).healthy, false);
  });
});

describe('CEL compile errors for lint', () => {
  it('accept rules that compile', () => {
    assert.equal(
      celCompileError('resource.status.conditions.exists(c, c.type == "Ready" && c.status == "True")'),
      null,
    );
    assert.equal(celCompileError('has(resource.status) && type(resource.spec.replicas) == int'), null);
  });

  it('report syntax errors with their position', () => {
    const error = celCompileError('resource.status.succeeded >');
    assert.match(error?.message ?? '', /^failed to parse CEL expression: <input>:1:\d+: /);
  });

  it('report references to anything but resource, as the cel-go type checker does', () => {
    assert.deepEqual(celCompileError('obj.status.ready'), {
      message: "failed to check CEL expression: undeclared reference to 'obj'",
    });
    assert.deepEqual(celCompileError('resource.metadata.name.lowerAscii() == "web"'), {
      message: "failed to check CEL expression: undeclared reference to 'lowerAscii'",
    });
    assert.deepEqual(celCompileError('resource.items.all(i, i.ready) && i.ready'), {
      message: "failed to check CEL expression: undeclared reference to 'i'",
    });
  });
});

describe('CEL cost, bounded as Kubernetes bounds it', () => {
  it('stop an expensive rule at the cost limit with a failure naming the rule, and go on to the next', () => {
    const rules = [
      { name: 'expensive', rule: nestedAll(8) },
      { name: 'named-web', rule: 'resource.metadata.name == "web"' },
    ];
    const verdict = evaluateCelRules(rules, deployment('prod', 'web', 1, 1));
    assert.equal(verdict.healthy, true);
    const alone = evaluateCelRules(rules.slice(0, 1), deployment('prod', 'web', 1, 1));
    assert.deepEqual(alone, {
      healthy: false,
      failures: [{ rule: 'expensive', message: `exceeded the cost limit of ${CEL_COST_LIMIT} units` }],
    });
  });

  it('let rules within the limit run to their answer, loops over the object included', () => {
    const o = deployment('prod', 'web', 1, 1);
    (o.status as Record<string, unknown>).conditions = Array.from({ length: 50 }, (_, i) => ({
      type: `T${i}`,
      status: 'True',
    }));
    const rule = 'resource.status.conditions.all(c, resource.status.conditions.exists(d, d.type == c.type))';
    assert.deepEqual(evaluateCelRules([{ name: 'pairs', rule }], o), { healthy: true, failures: [] });
    assert.equal(evaluateCelRules([{ name: 'small', rule: nestedAll(3) }], o, { costLimit: 100 }).healthy, false);
  });

  it('estimate the cost before running: literal sizes, assumed sizes for the object, nested loops multiplying', () => {
    assert.equal(estimateCelCost('resource.spec.replicas == 3'), 0);
    const one = estimateCelCost('resource.status.conditions.exists(c, c.type == "Ready")')!;
    assert.ok(one >= CEL_ASSUMED_LIST_SIZE && one < CEL_COST_LIMIT, String(one));
    assert.ok(estimateCelCost(nestedAll(8))! > CEL_COST_LIMIT);
    assert.ok(estimateCelCost(nestedAll(2))! < CEL_COST_LIMIT);
    assert.equal(estimateCelCost('resource.status >'), null);
  });
});
