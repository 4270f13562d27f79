// Sets of field paths as server-side apply tracks ownership (sigs.k8s.io/structured-merge-diff's
// fieldpath.Set): a tree whose edges are path elements written as FieldsV1 writes them: `f:name` a
// field, `k:{"name":"x"}` an item of a list keyed by its map keys, `v:"a"` an item of a set,
// `i:0` a position. A node is a member (the path itself is in the set) and may have children;
// FieldsV1 marks a member that also has children with `.`.

export type PathElement = string;
export type FieldPath = readonly PathElement[];

export class FieldSet {
  member = false;
  readonly children = new Map<PathElement, FieldSet>();

  static of(paths: Iterable<FieldPath>): FieldSet {
    const s = new FieldSet();
    for (const p of paths) s.insert(p);
    return s;
  }

  insert(path: FieldPath): void {
    let at: FieldSet = this;
    for (const e of path) {
      let next = at.children.get(e);
      if (next === undefined) at.children.set(e, (next = new FieldSet()));
      at = next;
    }
    at.member = true;
  }

  child(e: PathElement): FieldSet | undefined {
    return this.children.get(e);
  }

  get empty(): boolean {
    return !this.member && this.children.size === 0;
  }

  /** Whether the path is a member. */
  has(path: FieldPath): boolean {
    return this.at(path)?.member === true;
  }

  /** Whether the path or anything under it is a member. */
  hasAtOrBelow(path: FieldPath): boolean {
    const node = this.at(path);
    return node !== undefined && !node.empty;
  }

  private at(path: FieldPath): FieldSet | undefined {
    let at: FieldSet | undefined = this;
    for (const e of path) {
      at = at.children.get(e);
      if (at === undefined) return undefined;
    }
    return at;
  }

  union(other: FieldSet): FieldSet {
    const out = this.copy();
    out.addAll(other);
    return out;
  }

  private addAll(other: FieldSet): void {
    this.member ||= other.member;
    for (const [e, c] of other.children) {
      let mine = this.children.get(e);
      if (mine === undefined) this.children.set(e, (mine = new FieldSet()));
      mine.addAll(c);
    }
  }

  /** The members of this set that are not members of `other` (children compared one by one). */
  difference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && !other.member;
    for (const [e, c] of this.children) {
      const theirs = other.children.get(e);
      const d = theirs === undefined ? c.copy() : c.difference(theirs);
      if (!d.empty) out.children.set(e, d);
    }
    return out;
  }

  /** This set without `other`'s members and everything under them. */
  recursiveDifference(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && !other.member;
    for (const [e, c] of this.children) {
      const theirs = other.children.get(e);
      if (theirs?.member) continue;
      const d = theirs === undefined ? c.copy() : c.recursiveDifference(theirs);
      if (!d.empty) out.children.set(e, d);
    }
    return out;
  }

  intersection(other: FieldSet): FieldSet {
    const out = new FieldSet();
    out.member = this.member && other.member;
    for (const [e, c] of this.children) {
      const theirs = other.children.get(e);
      if (theirs === undefined) continue;
      const i = c.intersection(theirs);
      if (!i.empty) out.children.set(e, i);
    }
    return out;
  }

  /** Only the subtree at `e` (for a status writer: `f:status`). */
  only(e: PathElement): FieldSet {
    const out = new FieldSet();
    const c = this.children.get(e);
    if (c !== undefined) out.children.set(e, c.copy());
    return out;
  }

  copy(): FieldSet {
    const out = new FieldSet();
    out.member = this.member;
    for (const [e, c] of this.children) out.children.set(e, c.copy());
    return out;
  }

  equals(other: FieldSet): boolean {
    if (this.member !== other.member || this.children.size !== other.children.size) return false;
    for (const [e, c] of this.children) {
      const theirs = other.children.get(e);
      if (theirs === undefined || !c.equals(theirs)) return false;
    }
    return true;
  }

  /** Every member path: this level's members first, then each child's (fieldpath.Set.Iterate's order). */
  paths(prefix: PathElement[] = []): PathElement[][] {
    const sorted = [...this.children.keys()].sort(compareElements);
    const out: PathElement[][] = [];
    for (const e of sorted) if (this.children.get(e)!.member) out.push([...prefix, e]);
    for (const e of sorted) out.push(...this.children.get(e)!.paths([...prefix, e]));
    return out;
  }

  /** The FieldsV1 JSON object (`{"f:spec":{".":{},"f:x":{}}}`). */
  toFieldsV1(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    if (this.member && this.children.size > 0) out['.'] = {};
    for (const e of [...this.children.keys()].sort(compareElements)) out[e] = this.children.get(e)!.toFieldsV1();
    return out;
  }

  static fromFieldsV1(value: unknown): FieldSet {
    const root = new FieldSet();
    const walk = (node: FieldSet, v: unknown) => {
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return;
      for (const [k, c] of Object.entries(v)) {
        if (k === '.') {
          node.member = true;
          continue;
        }
        const child = new FieldSet();
        walk(child, c);
        // A leaf (`{}`) is a member; a node with children is one only when it says `.`.
        if (child.children.size === 0) child.member = true;
        node.children.set(k, child);
      }
    };
    walk(root, value);
    return root;
  }
}

const ORDER: Record<string, number> = { f: 0, k: 1, v: 2, i: 3 };

/** Fields before keys before values before positions, then by text (fieldpath.PathElement.Compare). */
export function compareElements(a: PathElement, b: PathElement): number {
  const d = (ORDER[a[0]!] ?? 4) - (ORDER[b[0]!] ?? 4);
  if (d !== 0) return d;
  if (a[0] === 'i') return Number(a.slice(2)) - Number(b.slice(2));
  return a < b ? -1 : a > b ? 1 : 0;
}

export function fieldElement(name: string): PathElement {
  return `f:${name}`;
}

/** `k:{"name":"x"}`: the key fields in name order, as structured-merge-diff sorts them. */
export function keyElement(keys: Record<string, unknown>): PathElement {
  const sorted = Object.keys(keys)
    .sort()
    .map((k) => [k, keys[k]]);
  return `k:${JSON.stringify(Object.fromEntries(sorted))}`;
}

export function valueElement(value: unknown): PathElement {
  return `v:${JSON.stringify(value)}`;
}

/** A path as the API server prints it in a conflict: `.spec.stages[name="x"].trigger`. */
export function pathString(path: FieldPath): string {
  return path
    .map((e) => {
      const body = e.slice(2);
      switch (e[0]) {
        case 'f':
          return `.${body}`;
        case 'k': {
          const keys = JSON.parse(body) as Record<string, unknown>;
          return `[${Object.entries(keys)
            .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
            .join(',')}]`;
        }
        case 'v':
          return `[=${body}]`;
        default:
          return `[${body}]`;
      }
    })
    .join('');
}
