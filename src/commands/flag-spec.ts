// A command's flags as data: commander builds its options from these (commander-flags.ts), and
// readPlainArgv reads the plainest command lines with them without loading commander at all.
//
// Why: commander was a third of dist/cli.cjs, and defining the program and parsing with it cost
// ~1 ms of every `init` here, which is in a pod's start-up path (issue 2's target is 1.3× bare
// `node -e 0`). So `init` with nothing but known flags in their plainest spellings is read here,
// and everything else (help, a typo, `--`, `-nfoo`, a value that starts with `-`, a flag given
// twice, an operand) goes to commander, which decides and words its errors. Wherever
// readPlainArgv answers, its options equal commander's for the same argv: test/unit/plain-argv
// holds it to commander over generated command lines.

export interface FlagSpec {
  /** The long name, without `--`: `embed`, `namespace`, `no-set-current` (sets setCurrent to false). */
  readonly long: string;
  /** The short name, without `-`: `n`. */
  readonly short?: string;
  /** The value's name in --help, for a flag that takes one: `namespace` (`<namespace>`). */
  readonly value?: string;
  readonly description: string;
  /** commander's default value. */
  readonly defaultValue?: string;
  readonly choices?: readonly string[];
}

/** What a spec means to commander (Option's constructor, attributeName()). */
export interface FlagShape {
  /** commander's flags string: `--embed`, `-n, --namespace <namespace>`, `--no-set-current`. */
  readonly flags: string;
  readonly long: string;
  readonly short?: string;
  /** The options key: the long name in camelCase, without `no-`. */
  readonly key: string;
  readonly takesValue: boolean;
  /** `--no-x`: sets x to false, and x defaults to true. */
  readonly negate: boolean;
}

export function describeFlag(spec: FlagSpec): FlagShape {
  const negate = spec.long.startsWith('no-');
  const name = negate ? spec.long.slice(3) : spec.long;
  // camelcase() of commander's attributeName(), for the lower-case, dash-separated names we use.
  let key = '';
  for (let i = 0; i < name.length; i += 1) key += name[i] === '-' && i + 1 < name.length ? (name[++i] as string).toUpperCase() : name[i];
  const long = `--${spec.long}`;
  const short = spec.short === undefined ? undefined : `-${spec.short}`;
  const flags = `${short === undefined ? '' : `${short}, `}${long}${spec.value === undefined ? '' : ` <${spec.value}>`}`;
  return { flags, long, ...(short === undefined ? {} : { short }), key, takesValue: spec.value !== undefined, negate };
}

/** The root program's own flags, which commander takes wherever they stand on the command line. */
const ROOT_BOOLEAN = '--debug';

export interface PlainArgv {
  readonly debug: boolean;
  readonly options: Readonly<Record<string, string | boolean>>;
}

/**
 * `COMMAND [--debug] [FLAG…]` read with `specs`, the command's flags: the options commander's
 * action would receive (defaults included), or undefined to leave the command line to commander.
 * Read: `--flag`, `--flag VALUE`, `--flag=VALUE`, `-x VALUE` for a flag of the table, each at
 * most once, values that do not start with `-` (commander's root would take `--debug` or `-V`
 * given as a value for itself), a choice among its choices; and `--debug` anywhere (a root flag).
 */
export function readPlainArgv(argv: readonly string[], command: string, specs: readonly FlagSpec[]): PlainArgv | undefined {
  let at = 0;
  let debug = false;
  while (argv[at] === ROOT_BOOLEAN) {
    debug = true;
    at += 1;
  }
  if (argv[at] !== command) return undefined;
  const shapes = specs.map((spec) => ({ spec, shape: describeFlag(spec) }));
  const options: Record<string, string | boolean> = {};
  for (const { spec, shape } of shapes) {
    if (spec.defaultValue !== undefined) options[shape.key] = spec.defaultValue;
    else if (shape.negate) options[shape.key] = true;
  }
  const seen = new Set<string>();
  for (let i = at + 1; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    if (arg === ROOT_BOOLEAN) {
      debug = true;
      continue;
    }
    const equals = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const name = equals === -1 ? arg : arg.slice(0, equals);
    const found = shapes.find(({ shape }) => shape.long === name || (equals === -1 && shape.short === name));
    if (found === undefined || seen.has(found.shape.key)) return undefined;
    seen.add(found.shape.key);
    const { spec, shape } = found;
    if (!shape.takesValue) {
      if (equals !== -1) return undefined;
      options[shape.key] = !shape.negate;
      continue;
    }
    const value = equals === -1 ? argv[++i] : arg.slice(equals + 1);
    if (value === undefined || value.startsWith('-')) return undefined;
    if (spec.choices !== undefined && !spec.choices.includes(value)) return undefined;
    options[shape.key] = value;
  }
  return { debug, options };
}
