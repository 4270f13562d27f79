// Completion scripts for `kubectl-promotion` typed on its own. Each asks the program itself
// (`kubectl-promotion __complete <words...>`) and reads the answer kubectl reads from
// kubectl_complete-promotion: candidate lines (value, tab, description), then `:<directive>`,
// where bit 4 means "no file names" and no candidates otherwise fall back to file names.
export const SHELLS = ['bash', 'zsh', 'fish', 'powershell'] as const;
export type Shell = (typeof SHELLS)[number];

const BASH = String.raw`# bash completion for kubectl-promotion
_kubectl_promotion() {
  local cur="${'$'}{COMP_WORDS[COMP_CWORD]}" out directive line
  local -a words=("${'$'}{COMP_WORDS[@]:1:COMP_CWORD}")
  out=$("${'$'}{COMP_WORDS[0]}" __complete "${'$'}{words[@]}" 2>/dev/null) || return
  directive=${'$'}{out##*:}
  COMPREPLY=()
  while IFS= read -r line; do
    [[ -z $line || $line == :* ]] && continue
    COMPREPLY+=("${'$'}{line%%$'\t'*}")
  done <<<"$out"
  if [[ ${'$'}{#COMPREPLY[@]} -eq 0 && $((directive & 4)) -eq 0 ]]; then
    compopt -o default 2>/dev/null
  fi
}
complete -F _kubectl_promotion kubectl-promotion
`;

const ZSH = String.raw`#compdef kubectl-promotion
# zsh completion for kubectl-promotion
_kubectl_promotion() {
  local out directive line
  local -a candidates
  out=$("${'$'}{words[1]}" __complete "${'$'}{(@)words[2,$CURRENT]}" 2>/dev/null) || return 1
  directive=${'$'}{${'$'}{(f)out}[-1]#:}
  for line in "${'$'}{(@f)out}"; do
    [[ -z $line || $line == :* ]] && continue
    candidates+=("${'$'}{${'$'}{line%%$'\t'*}//:/\\:}${'$'}{${'$'}{line#*$'\t'}:+:${'$'}{line#*$'\t'}}")
  done
  if (( ${'$'}{#candidates} )); then
    _describe 'kubectl-promotion' candidates
  elif (( (directive & 4) == 0 )); then
    _files
  fi
}
compdef _kubectl_promotion kubectl-promotion
`;

const FISH = String.raw`# fish completion for kubectl-promotion
function __kubectl_promotion_complete
    set -l words (commandline -opc)[2..-1] (commandline -ct)
    set -l out (kubectl-promotion __complete $words 2>/dev/null)
    or return
    set -l directive (string replace -r '^:' '' -- $out[-1])
    set -e out[-1]
    if test (count $out) -eq 0; and test (math "bitand($directive, 4)") -eq 0
        __fish_complete_path (commandline -ct)
        return
    end
    printf '%s\n' $out
end
complete -c kubectl-promotion -f -a '(__kubectl_promotion_complete)'
`;

const POWERSHELL = String.raw`# PowerShell completion for kubectl-promotion
Register-ArgumentCompleter -Native -CommandName kubectl-promotion -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)
    $words = @($commandAst.CommandElements | Select-Object -Skip 1 | ForEach-Object { $_.ToString() })
    if ($wordToComplete -eq '') { $words += '' }
    $out = @(& kubectl-promotion __complete @words 2>$null)
    if ($out.Count -eq 0) { return }
    $directive = [int]($out[-1].TrimStart(':'))
    $candidates = @($out | Select-Object -SkipLast 1)
    foreach ($line in $candidates) {
        $parts = $line -split "\t", 2
        $description = if ($parts.Count -gt 1 -and $parts[1]) { $parts[1] } else { $parts[0] }
        [System.Management.Automation.CompletionResult]::new($parts[0], $parts[0], 'ParameterValue', $description)
    }
    if ($candidates.Count -eq 0 -and ($directive -band 4) -eq 0) {
        Get-ChildItem -Path "$wordToComplete*" | ForEach-Object {
            [System.Management.Automation.CompletionResult]::new($_.Name, $_.Name, 'ProviderItem', $_.Name)
        }
    }
}
`;

export function completionScript(shell: Shell): string {
  switch (shell) {
    case 'bash':
      return BASH;
    case 'zsh':
      return ZSH;
    case 'fish':
      return FISH;
    case 'powershell':
      return POWERSHELL;
  }
}
