// Plain YAML scalars read as Kubernetes reads them. kubectl and the API server turn YAML into JSON
// with sigs.k8s.io/yaml, on go-yaml v2: YAML 1.1's booleans (yes/no/on/off/y/n) and nulls (~),
// integers as Go's strconv.ParseInt reads them with base 0 after dropping underscores (0x1F, 0X1F,
// 0o12, 012 octal, 0b101), floats only where Go's pattern matches (1e3, .5, 1.; never `e1`, which
// stays a string), timestamps and sexagesimal numbers (1:30) left as strings. .inf and .nan parse,
// but JSON cannot hold them: Kubernetes refuses such a document, and so does parseYaml.
import { type Document, isPair, isScalar, isSeq, type ScalarTag, type Tags, visit } from 'yaml';

const FLOAT = 'tag:yaml.org,2002:float';
const INT = 'tag:yaml.org,2002:int';

const intTag = (test: RegExp, format: string, radix: number, prefix: number): ScalarTag => ({
  tag: INT,
  format,
  default: true,
  identify: (value) => typeof value === 'number' && Number.isInteger(value),
  test,
  resolve: (text) => {
    const sign = text[0] === '-' ? -1 : 1;
    const digits = text.replace(/^[-+]/, '').slice(prefix).replace(/_/g, '');
    return sign * Number.parseInt(digits, radix);
  },
});

/** Go's yamlStyleFloat, with the underscores go-yaml removes before matching. */
const goFloat: ScalarTag = {
  tag: FLOAT,
  default: true,
  identify: (value) => typeof value === 'number',
  test: /^[-+]?(?:\.[0-9_]*[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9_]*[0-9][0-9_]*)?$/,
  resolve: (text) => Number.parseFloat(text.replace(/_/g, '')),
};

const GO_INTS = [
  intTag(/^[-+]?0[xX][0-9a-fA-F_]+$/, 'HEX', 16, 2),
  intTag(/^[-+]?0[oO][0-7_]+$/, 'OCT', 8, 2),
  intTag(/^[-+]?0[bB][01_]+$/, 'BIN', 2, 2),
];

const isTag = (t: Tags[number]): t is ScalarTag => typeof t !== 'string' && 'tag' in t;

/**
 * The yaml package's YAML 1.1 tags made to resolve as go-yaml v2 does: without timestamps and
 * sexagesimal numbers, with Go's integer prefixes and Go's float pattern (the package's own float
 * patterns read `e1` as a float, NaN).
 */
export function kubernetesScalars(tags: Tags): Tags {
  const kept = tags.filter((t) => {
    if (!isTag(t)) return true;
    if (t.tag === 'tag:yaml.org,2002:timestamp' || t.format === 'TIME') return false;
    if (t.tag === INT && (t.format === 'HEX' || t.format === 'BIN')) return false;
    // Keep only the float tag of .inf and .nan.
    if (t.tag === FLOAT) return t.test !== undefined && /inf/.test(t.test.source);
    return true;
  });
  // Integers are tried before floats, the special floats before Go's pattern.
  const firstFloat = kept.findIndex((t) => isTag(t) && t.tag === FLOAT);
  kept.splice(firstFloat === -1 ? kept.length : firstFloat, 0, ...GO_INTS);
  kept.splice(kept.findIndex((t) => isTag(t) && t.tag === FLOAT) + 1, 0, goFloat);
  return kept;
}

/** The plain scalars JSON cannot hold (.inf, -.inf, .nan): where, at which field, as written. */
export function nonFiniteScalars(doc: Document.Parsed): { offset: number; path: (string | number)[]; text: string }[] {
  const found: { offset: number; path: (string | number)[]; text: string }[] = [];
  visit(doc, {
    Scalar(_, node, ancestors) {
      if (!isScalar(node) || typeof node.value !== 'number' || Number.isFinite(node.value)) return;
      const path: (string | number)[] = [];
      const chain = [...ancestors, node];
      chain.forEach((step, i) => {
        if (isPair(step) && isScalar(step.key)) path.push(String(step.key.value));
        else if (isSeq(step)) path.push(step.items.indexOf(chain[i + 1] as never));
      });
      found.push({ offset: node.range?.[0] ?? 0, path, text: node.source ?? String(node.value) });
    },
  });
  return found;
}
