// Ink's useInput, one key at a time: a chunk of several keys typed together is split into its keys
// (keys.ts), each handled as if it had come alone.
import { type Key, useInput } from 'ink';
import { keyPresses } from '../keys.ts';

export function useKeys(handler: (input: string, key: Key) => void): void {
  useInput((input, key) => {
    for (const k of keyPresses(input, key)) handler(k.input, k.key);
  });
}
