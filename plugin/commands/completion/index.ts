// `kubectl promotion completion bash|zsh|fish|powershell`: the script that completes
// kubectl-promotion typed on its own. Through kubectl, completion needs no script of ours:
// kubectl's own completion calls kubectl_complete-promotion (shipped beside the plugin).
import { completionScript, SHELLS } from '../../completion/scripts.ts';
import { defineCommand } from '../../command.ts';
import { EXIT_OK } from '../../errors.ts';

export default defineCommand({
  name: 'completion',
  describe: 'Print a shell completion script for kubectl-promotion',
  positionals: [{ name: 'shell', required: true, choices: SHELLS, describe: 'The shell to complete in' }],
  epilogue: [
    "For `kubectl promotion ...` (kubectl 1.26+), kubectl's own completion is enough once",
    'kubectl_complete-promotion is on your PATH: krew installs it beside the plugin, npm as a bin.',
    '',
    'For kubectl-promotion typed on its own:',
    '  bash:       source <(kubectl-promotion completion bash)        # in ~/.bashrc',
    '  zsh:        source <(kubectl-promotion completion zsh)         # in ~/.zshrc, after compinit',
    '  fish:       kubectl-promotion completion fish > ~/.config/fish/completions/kubectl-promotion.fish',
    '  PowerShell: kubectl-promotion completion powershell | Out-String | Invoke-Expression',
  ].join('\n'),
  async run(args, io) {
    io.stdout.write(completionScript(args.shell));
    return EXIT_OK;
  },
});
