// The default rehearsal's files, embedded in both builds at build time, so that a bare
// `kubectl promotion simulate` works where examples/ is not installed beside the program (the
// standalone executable a krew install gives). Paths are relative to the repository.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const EMBEDDED_EXAMPLE_FILES = [
  'examples/kyverno/promotion.yaml',
  'examples/kyverno/promotion-manual.yaml',
  'examples/kyverno/fleet.yaml',
];

/** The esbuild `define` that embeds them as `__KUBECTL_PROMOTION_EXAMPLES__`. */
export function embeddedExamplesDefine(root = '.') {
  const files = Object.fromEntries(EMBEDDED_EXAMPLE_FILES.map((f) => [f, readFileSync(join(root, f), 'utf8')]));
  return { __KUBECTL_PROMOTION_EXAMPLES__: JSON.stringify(files) };
}
