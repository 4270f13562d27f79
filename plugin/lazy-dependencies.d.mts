import type { Plugin } from 'esbuild';

/** The esbuild plugin of plugin/lazy-dependencies.mjs; `installed`: packages installed beside the program. */
export function lazyDependencies(options?: { installed?: string[] }): Plugin;
