// The standalone executable's entry: it hands the command line to the program bundled beside it
// (plugin/main.ts), read from the executable's virtual file system.

// Where build/release/bundle.ts puts the program, beside this module at the mount's root. Not a
// literal, so that esbuild leaves the import to run time instead of bundling the program in here.
const PROGRAM = new URL('./kubectl-promotion.mjs', import.meta.url).href;

await import(PROGRAM);
