// The option table: how a command declares its flags and positionals, and the flags every command
// takes. The parser (plugin/parse.ts), --help (plugin/help.ts) and shell completion
// (plugin/completion/) all read these declarations, and nothing else.

/** What completion offers for a value, beyond an option's `choices`. */
export type Completer =
  /** The shell completes file names. */
  | { kind: 'file' }
  /** The ClusterPromotions of the cluster the line's connection flags point at. */
  | { kind: 'promotion' }
  /**
   * The stages of the promotion named on the line; with `prefix`, each stage behind it
   * (`stage:production`), beside the fixed `words`.
   */
  | { kind: 'stage'; prefix?: string; words?: readonly string[] };

export interface OptionSpec {
  /** One letter, typed `-x` (and glued as kubectl allows: `-ojson`, `-Aw`). */
  short?: string;
  /** A boolean is set by its name alone (`--watch`, `--watch=false`, `--no-watch`); a string takes a value. */
  type: 'string' | 'boolean';
  /** Repeatable: each occurrence adds to a list. */
  multiple?: boolean;
  /** Commas separate values too, as in kubectl's `-f a.yaml,b.yaml`. */
  split?: boolean;
  choices?: readonly string[];
  default?: string | boolean;
  /** The default as --help says it, where it is not a plain value. */
  defaultText?: string;
  /** The value's placeholder in --help (FILE, DURATION); `string` by default. */
  value?: string;
  describe: string;
  /** Required: the message for a line without it. */
  required?: string;
  complete?: Completer;
}

export type Options = Readonly<Record<string, OptionSpec>>;

export interface PositionalSpec {
  name: string;
  describe: string;
  required?: boolean;
  choices?: readonly string[];
  complete?: Completer;
}

type ValueOf<O> = O extends { type: 'boolean' }
  ? boolean
  : O extends { multiple: true }
    ? string[]
    : O extends { choices: readonly (infer C extends string)[] }
      ? C
      : string;
type AlwaysSet<O> = O extends { type: 'boolean' } | { multiple: true } | { default: string } | { required: string }
  ? true
  : false;

/** The values the parser hands over for a table of options, by the option's name as declared. */
export type OptionValues<O extends Options> = {
  -readonly [K in keyof O as AlwaysSet<O[K]> extends true ? K : never]: ValueOf<O[K]>;
} & {
  -readonly [K in keyof O as AlwaysSet<O[K]> extends true ? never : K]?: ValueOf<O[K]>;
};

export type PositionalValues<P extends readonly PositionalSpec[]> = {
  -readonly [E in P[number] as E extends { required: true } ? E['name'] : never]: ValueOf<E>;
} & {
  -readonly [E in P[number] as E extends { required: true } ? never : E['name']]?: ValueOf<E>;
};

// The connection flags, spelled and behaving as kubectl's, so that a `kubectl promotion ...` line
// can carry the same flags as the `kubectl get ...` line next to it. Like kubectl's global flags
// they are taken in any position, by every command; the commands that talk to a cluster list them
// in their --help.
export const CLUSTER_OPTIONS = {
  kubeconfig: {
    type: 'string',
    value: 'FILE',
    complete: { kind: 'file' },
    describe: 'Path to the kubeconfig file (default: $KUBECONFIG, then ~/.kube/config)',
  },
  context: { type: 'string', describe: 'The kubeconfig context to use' },
  cluster: { type: 'string', describe: 'The kubeconfig cluster to use' },
  user: { type: 'string', describe: 'The kubeconfig user to use' },
  server: { type: 'string', short: 's', value: 'URL', describe: 'The address and port of the Kubernetes API server' },
  token: { type: 'string', describe: 'Bearer token for authentication to the API server' },
  as: { type: 'string', value: 'USER', describe: 'Username to impersonate for the operation' },
  'as-group': {
    type: 'string',
    multiple: true,
    value: 'GROUP',
    describe: 'Group to impersonate (repeat for several)',
  },
  'certificate-authority': {
    type: 'string',
    value: 'FILE',
    complete: { kind: 'file' },
    describe: 'Path to a CA certificate file for the API server',
  },
  'insecure-skip-tls-verify': { type: 'boolean', describe: "Don't check the server's certificate (insecure)" },
  'request-timeout': {
    type: 'string',
    value: 'DURATION',
    describe: 'How long to wait for one API request: 0 (never), seconds, or a duration (30s, 2m)',
  },
  namespace: {
    type: 'string',
    short: 'n',
    describe: 'Namespace (ClusterPromotions are cluster-scoped: accepted for kubectl compatibility)',
  },
  'all-namespaces': {
    type: 'boolean',
    short: 'A',
    describe: 'All namespaces (the default for clusters and summaries)',
  },
} as const satisfies Options;

/** The tables' `--no-headers`, as kubectl get's. */
export const HEADERS_OPTION = {
  type: 'boolean',
  default: true,
  describe: 'Print the column names (--no-headers: the rows alone, as kubectl get --no-headers)',
} as const;

/** The flags of the program itself, taken in any position. */
export const PROGRAM_OPTIONS = {
  color: {
    type: 'boolean',
    defaultText: 'on a terminal, unless NO_COLOR is set',
    describe: 'Color the output (--no-color turns it off)',
  },
  help: { type: 'boolean', short: 'h', describe: 'Show help for the command' },
  version: { type: 'boolean', describe: 'Print the version (as the version command)' },
} as const satisfies Options;

export const GLOBAL_OPTIONS = { ...PROGRAM_OPTIONS, ...CLUSTER_OPTIONS } as const satisfies Options;

/** What every command is handed besides its own options: --color decided, and the connection flags. */
export type GlobalArgs = { color: boolean } & OptionValues<typeof CLUSTER_OPTIONS>;
