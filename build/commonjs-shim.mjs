// Bundled CommonJS packages (the Lua Emscripten glue, the Kubernetes client's dependencies) call
// require() for built-in modules and read __filename/__dirname; an ES module has none of these, so
// every chunk gets its own under private names, and the builds' `define` points the packages' free
// references at them (a module that declares its own __dirname keeps it). Shared by
// the npm build (build/build.mjs) and the standalone release build (build/release/bundle.ts).
export const COMMONJS_SHIM = [
  "import { createRequire as __kpCreateRequire } from 'node:module';",
  "import { fileURLToPath as __kpFileURLToPath } from 'node:url';",
  'const require = __kpCreateRequire(import.meta.url);',
  'const __kpFilename = __kpFileURLToPath(import.meta.url);',
  'const __kpDirname = import.meta.dirname;',
].join(' ');

export const COMMONJS_DEFINES = { __filename: '__kpFilename', __dirname: '__kpDirname' };
