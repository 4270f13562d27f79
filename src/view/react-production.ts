// React (and with it Ink) picks its production or development build from NODE_ENV when it is first
// loaded. The npm build leaves React outside the bundle, where esbuild's `define` cannot reach it,
// so a command sets the variable itself before it first imports a module that loads React. The
// development build is several times slower per frame and prints warnings over the view.
export function preferReactProduction(env: Record<string, string | undefined> = process.env): void {
  // Someone who set NODE_ENV (to see React's warnings, say) keeps their choice.
  env.NODE_ENV ??= 'production';
}
