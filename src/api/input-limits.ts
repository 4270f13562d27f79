// The bounds on what a user's YAML may cost us. A file (or standard input, or a character device
// such as /dev/zero) is read with a byte bound and never slurped; what is read is then parsed only
// within a depth, a number of documents and an alias expansion. Each bound is far above any real
// promotion, fleet or RolloutTest, and low enough that the worst input fails in well under a second.
// The README's "Limits on input" table lists them.

/** The most bytes read from one input file. */
export const MAX_INPUT_BYTES = 4 * 1024 * 1024;
/** The most YAML documents in one input file. */
export const MAX_DOCUMENTS = 10_000;
/**
 * The deepest nesting of mappings and sequences in a document. The YAML parser recurses, and so
 * do schema validation and JSON: a bound far below the stack keeps all of them safe.
 */
export const MAX_DEPTH = 100;
/** The `yaml` package's maxAliasCount: how far aliases may expand a document (a "billion laughs"). */
export const MAX_ALIAS_COUNT = 1000;

/** A number of bytes as people read it: 16 MiB, 512 KiB, 100 bytes. */
export function byteSize(n: number): string {
  if (n >= 1024 * 1024) return `${Number((n / (1024 * 1024)).toFixed(1))} MiB`;
  if (n >= 1024) return `${Number((n / 1024).toFixed(1))} KiB`;
  return `${n} bytes`;
}
