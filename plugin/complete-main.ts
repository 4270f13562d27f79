// `kubectl_complete-promotion`: kubectl 1.26+ runs this executable, found next to the plugin on
// PATH, to complete `kubectl promotion ...`; it is the plugin's own hidden `__complete` command.
process.argv.splice(2, 0, '__complete');
await import('./main.ts');
