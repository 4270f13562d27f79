import type { Plugin } from 'esbuild';

/**
 * The esbuild plugin of build/lazy-dependencies.mjs. `installed`: packages installed beside the
 * program; `separateFiles`: each deferred package in an output file of its own.
 */
export function lazyDependencies(options?: { installed?: string[]; separateFiles?: boolean }): Plugin;
