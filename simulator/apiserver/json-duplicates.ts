// Duplicate keys in a JSON request body, which JSON.parse silently resolves to the last value and
// kube-apiserver's strict decoder (sigs.k8s.io/json) reports: `duplicate field "spec.paused"`,
// refused under fieldValidation=Strict and a warning under Warn. One pass over text that already
// parsed, so it only tracks where it is: the path of objects and arrays, and the keys seen in
// each open object.

type Frame = { kind: 'object'; seen: Set<string>; key: string | null } | { kind: 'array'; index: number };

/**
 * The paths of the keys that occur twice in one object, in document order, written as the API
 * server writes field paths (`spec.ports[0].hostPort`; `[1].path` in a top-level array).
 * `text` must be valid JSON.
 */
export function duplicateFields(text: string): string[] {
  const found: string[] = [];
  const stack: Frame[] = [];
  // Whether the next string in the current object is a key (and not a value).
  let expectKey = false;
  const path = (last: string): string => {
    let out = '';
    for (const f of stack.slice(0, -1)) out = step(out, f);
    return out === '' ? last : `${out}.${last}`;
  };
  const step = (out: string, f: Frame): string => {
    if (f.kind === 'array') return `${out}[${f.index}]`;
    return f.key === null ? out : out === '' ? f.key : `${out}.${f.key}`;
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    switch (ch) {
      case '{':
        stack.push({ kind: 'object', seen: new Set(), key: null });
        expectKey = true;
        break;
      case '[':
        stack.push({ kind: 'array', index: 0 });
        expectKey = false;
        break;
      case '}':
      case ']':
        stack.pop();
        expectKey = false;
        break;
      case ',': {
        const top = stack.at(-1);
        if (top?.kind === 'array') top.index++;
        expectKey = top?.kind === 'object';
        break;
      }
      case '"': {
        const end = stringEnd(text, i);
        const top = stack.at(-1);
        if (expectKey && top?.kind === 'object') {
          const key = JSON.parse(text.slice(i, end + 1)) as string;
          if (top.seen.has(key)) found.push(path(key));
          top.seen.add(key);
          top.key = key;
          expectKey = false;
        }
        i = end;
        break;
      }
    }
  }
  return found;
}

/** The index of the quote closing the string that opens at `start`. */
function stringEnd(text: string, start: number): number {
  for (let i = start + 1; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\') i++;
    else if (ch === '"') return i;
  }
  return text.length - 1;
}
