// --help, written from the option tables (plugin/options.ts) in the layout of cobra's help, which
// kubectl and its plugins share: what the command does, Usage, Examples, then the flags in groups.
import type { AnyCommand } from './cli.ts';
import { SCRIPT_NAME } from './command.ts';
import { CLUSTER_OPTIONS, PROGRAM_OPTIONS, type OptionSpec, type Options } from './options.ts';
import { type Listed, usageOfPositionals } from './parse.ts';

/** The width help is laid out for: the terminal's, up to 100 columns (100 into a pipe). */
export function helpWidth(columns: number | undefined): number {
  return Math.max(40, Math.min(100, columns || 100));
}

/** Words of `text` in lines of `width` columns, each after `indent` spaces but the first. */
function wrap(text: string, width: number, indent: number): string {
  const room = Math.max(20, width - indent);
  const lines: string[] = [];
  for (const paragraph of text.split('\n')) {
    let line = '';
    for (const word of paragraph.split(' ')) {
      if (line !== '' && line.length + 1 + word.length > room) {
        lines.push(line);
        line = word;
      } else line = line === '' ? word : `${line} ${word}`;
    }
    lines.push(line);
  }
  return lines.join(`\n${' '.repeat(indent)}`);
}

/** Rows of [left, right] with the right column aligned and wrapped. */
function table(rows: readonly (readonly [string, string])[], width: number): string {
  const left = Math.min(34, Math.max(...rows.map(([l]) => l.length)));
  return rows
    .map(([l, r]) => {
      const indent = 2 + left + 3;
      const head = `  ${l.padEnd(left)}   `;
      // A label wider than the column gets its description on the next line.
      if (l.length > left) return `  ${l}\n${' '.repeat(indent)}${wrap(r, width, indent)}`;
      return `${head}${wrap(r, width, indent)}`.trimEnd();
    })
    .join('\n');
}

function flagRow(name: string, spec: OptionSpec): [string, string] {
  const label = spec.short ? `-${spec.short}, --${name}` : `    --${name}`;
  const value = spec.type === 'boolean' ? '' : ` ${spec.value ?? (spec.choices ? spec.choices.join('|') : 'string')}`;
  let describe = spec.describe;
  if (spec.defaultText !== undefined) describe += ` (default: ${spec.defaultText})`;
  else if (spec.default !== undefined && spec.default !== false)
    describe += ` (default ${JSON.stringify(spec.default)})`;
  return [`${label}${value}`, describe];
}

function flagsTable(options: Options, width: number): string {
  return table(
    Object.entries(options).map(([name, spec]) => flagRow(name, spec)),
    width,
  );
}

/** The help of one command. */
export function commandHelp(command: AnyCommand, columns?: number): string {
  const width = helpWidth(columns);
  const positionals = usageOfPositionals(command);
  const parts = [
    wrap(command.describe, width, 0),
    `Usage:\n  ${SCRIPT_NAME} ${command.name}${positionals ? ` ${positionals}` : ''} [flags]`,
  ];
  if (command.positionals.length > 0)
    parts.push(
      `Arguments:\n${table(
        command.positionals.map((p) => [p.name.toUpperCase(), p.describe]),
        width,
      )}`,
    );
  if (command.examples?.length)
    parts.push(
      `Examples:\n${command.examples
        .map(([line, what]) => `  # ${wrap(what, width, 4).replace(/\n {4}/g, '\n  # ')}\n  ${SCRIPT_NAME} ${line}`)
        .join('\n\n')}`,
    );
  if (Object.keys(command.options).length > 0) parts.push(`Flags:\n${flagsTable(command.options, width)}`);
  if (command.cluster) parts.push(`Cluster access (as kubectl):\n${flagsTable(CLUSTER_OPTIONS, width)}`);
  parts.push(`Global flags:\n${flagsTable(PROGRAM_OPTIONS, width)}`);
  if (command.epilogue) parts.push(command.epilogue);
  return `${parts.join('\n\n')}\n`;
}

/** The help of the program: its commands and the flags every command takes. */
export function programHelp(commands: readonly Listed[], columns?: number): string {
  const width = helpWidth(columns);
  return `${[
    'Watch, approve and rehearse Sveltos ClusterPromotion rollouts.',
    `Usage:\n  ${SCRIPT_NAME} COMMAND [flags]`,
    `Commands:\n${table(
      commands.map((c) => [c.name, c.describe]),
      width,
    )}`,
    `Flags:\n${flagsTable(PROGRAM_OPTIONS, width)}`,
    `Cluster access (as kubectl; before or after the command):\n${flagsTable(CLUSTER_OPTIONS, width)}`,
    `Use "${SCRIPT_NAME} COMMAND --help" for more about a command.`,
  ].join('\n\n')}\n`;
}
