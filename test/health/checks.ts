// Health checks the tests share: Sveltos's metrics example and the CEL rule that would run for
// minutes without a cost limit.
import type { FeatureID, ValidateHealth } from '../../src/api/types.ts';

/** `depth` nested loops over ten items: 10^depth iterations (eight: minutes, unbounded). */
export function nestedAll(depth: number): string {
  const ten = '[1, 2, 3, 4, 5, 6, 7, 8, 9, 10]';
  let rule = 'true';
  for (let i = depth; i >= 1; i--) rule = `${ten}.all(x${i}, ${rule})`;
  return rule;
}

/** A Deployment check whose only rule (`nested`) is nestedAll(8). */
export function expensiveCelCheck(featureID: FeatureID = 'Helm'): ValidateHealth {
  return {
    name: 'expensive',
    featureID,
    group: 'apps',
    version: 'v1',
    kind: 'Deployment',
    evaluateCEL: [{ name: 'nested', rule: nestedAll(8) }],
  };
}

/** Sveltos's metrics example: a metrics-only check that fails above a 5% error rate. */
export function errorRateCheck(featureID: FeatureID = 'Helm'): ValidateHealth {
  return {
    name: 'error-rate',
    featureID,
    version: '',
    kind: '',
    metricSource: { url: 'http://prometheus.monitoring:9090' },
    metricQueries: [{ name: 'error_rate', query: 'sum(rate(http_requests_total{code=~"5.."}[5m]))' }],
    script: `function evaluate()
  if metrics.error_rate > 0.05 then
    return { healthy = false, message = "error rate " .. metrics.error_rate .. " is above 5%" }
  end
  return { healthy = true, message = "error rate ok" }
end`,
  };
}
