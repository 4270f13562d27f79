// The standalone executable's entry. It answers `version` and `--help` itself (plugin/fast-path.ts,
// bundled into this one module with the help text) and hands every other command line to the
// program bundled beside it (plugin/main.ts). Inside a single executable each module is read from
// the virtual file system, and every one the entry waits for adds about a millisecond: the program's
// own entry needs four before it can answer `version`, this one needs none.
import { processIo } from '../../plugin/command.ts';
import { fastPath } from '../../plugin/fast-path.ts';

// Where build/release/bundle.ts puts the program, beside this module at the mount's root. Not a
// literal, so that esbuild leaves the import to run time instead of bundling the program in here.
const PROGRAM = new URL('./kubectl-promotion.mjs', import.meta.url).href;

const answered = await fastPath(process.argv.slice(2), processIo());
if (answered === null) await import(PROGRAM);
else process.exitCode = answered;
