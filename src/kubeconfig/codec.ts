// Pure decode/encode of one kubeconfig file (client-go tools/clientcmd/loader.go Load / Write).
// The CLI imports this module only with import() (reader.ts, store.ts, kubectl/source-context.ts),
// for a kubeconfig reader.ts cannot read or emitter.ts cannot write, and for the schema: a new
// kubeconfig (init in a pod) and one as kubectl writes it never load js-yaml. scripts/build.mjs
// makes it a bundle of its own, dist/codec.cjs, with js-yaml, the schemas and their zod, and a
// code cache of its own. The demo, a bundle of its own too, imports it directly.
import { findGoYamlRefusal, formatGoYamlRefusal } from './go-yaml-scan.js';
import type { ParseOptions } from './reader.js';
import * as jsYaml from 'js-yaml';
import { DEFAULT_SCHEMA, dump, FAILSAFE_SCHEMA, loadAll, Type, YAMLException } from 'js-yaml';
import { CliError } from '../errors.js';
import { emitKubeconfig, normalizeForWrite } from './emitter.js';
import { kubeconfigSchemas, type Kubeconfig } from './schema.js';
import { BASE64_FIELDS, findDuplicateName, isGoBase64, isRecord, isScalarCheck, SHAPES } from './shape.js';

// For kubectl/source-context.ts, which reads `kubectl config view -o json` (no YAML) with them.
export { kubeconfigSchemas };

/**
 * Reading as kubectl reads: sigs.k8s.io/yaml hands the text to go-yaml v2, which resolves plain
 * scalars by YAML 1.1 rules (resolve.go), and only then to encoding/json. So a plain `on`, `yes`
 * or `y` is a boolean (and `namespace: on` fails to load, "cannot unmarshal bool into Go struct
 * field"), `0777` is octal 511, `1_000` is 1000, `08` is the float 8; timestamps stay strings as
 * written, and merge keys work. js-yaml's own schemas are YAML 1.2's, which read all of those as
 * strings or other numbers: a file kubectl refuses would load here, and an extension holding
 * `port: 0777` would be rewritten as 777.
 */
// js-yaml exports its built-in types at run time; @types/js-yaml does not declare them.
const builtIn = (jsYaml as unknown as { readonly types: Readonly<Record<'merge' | 'null', Type>> }).types;

const YAML_11_TRUE = new Set(['y', 'Y', 'yes', 'Yes', 'YES', 'true', 'True', 'TRUE', 'on', 'On', 'ON']);
const YAML_11_FALSE = new Set(['n', 'N', 'no', 'No', 'NO', 'false', 'False', 'FALSE', 'off', 'Off', 'OFF']);
const yaml11Bool = new Type('tag:yaml.org,2002:bool', {
  kind: 'scalar',
  resolve: (data: string) => YAML_11_TRUE.has(data) || YAML_11_FALSE.has(data),
  construct: (data: string) => YAML_11_TRUE.has(data),
});

/**
 * go-yaml v2 for a plain scalar that starts with a digit or a sign: "_" removed, then Go's
 * strconv.ParseInt(s, 0, 64) (0x, 0o, 0b prefixes; a leading 0 is octal), then ParseUint.
 * Undefined when that fails (the float rule may still take it).
 */
function parseGoInteger(data: string): bigint | undefined {
  const plain = data.replace(/_/g, '');
  const match = /^([-+]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)$/.exec(plain);
  if (match === null) return undefined;
  const [, sign, digits = ''] = match;
  const magnitude = /^0[0-7]+$/.test(digits) ? BigInt(`0o${digits.slice(1)}`) : BigInt(digits.toLowerCase());
  const value = sign === '-' ? -magnitude : magnitude;
  // int64, or (no sign) uint64; past both, Go tries the float rule.
  if (value >= -(2n ** 63n) && value < 2n ** 63n) return value;
  if (sign === '' && value < 2n ** 64n) return value;
  return undefined;
}

const yaml11Int = new Type('tag:yaml.org,2002:int', {
  kind: 'scalar',
  resolve: (data: string) => /^[-+0-9]/.test(data) && parseGoInteger(data) !== undefined,
  construct: (data: string) => {
    const value = parseGoInteger(data) as bigint;
    const number = Number(value);
    // kubectl keeps every 64-bit integer exactly; a JavaScript number holds some of them only
    // approximately, and rewriting the file would change such a one (12345678901234567890
    // would be written as 12345678901234567000): refuse instead. What is written back is
    // String(number), so that is the test (2^53 and 2^60 pass).
    // Not the value in the message: it may be a token or a password.
    if (BigInt(String(number)) !== value) throw new YAMLException(`an integer of ${data.replace(/^[-+]/, '').length} digits is too large to be kept exactly`);
    return number;
  },
});

const YAML_11_SPECIAL_FLOATS: ReadonlyMap<string, number> = new Map([
  ...['.nan', '.NaN', '.NAN'].map((word) => [word, Number.NaN] as const),
  ...['.inf', '.Inf', '.INF', '+.inf', '+.Inf', '+.INF'].map((word) => [word, Number.POSITIVE_INFINITY] as const),
  ...['-.inf', '-.Inf', '-.INF'].map((word) => [word, Number.NEGATIVE_INFINITY] as const),
]);
/**
 * go-yaml v2 for a float: digit or sign first, every "_" removed and then its yamlStyleFloat
 * pattern; "." first, Go's strconv.ParseFloat on the text as it is, which takes "_" only
 * between digits (`.5_5` is a number, `._5` and `.5_` are strings).
 */
function goYamlFloat(data: string): number | undefined {
  const special = YAML_11_SPECIAL_FLOATS.get(data);
  if (special !== undefined) return special;
  let plain: string;
  if (data.startsWith('.')) {
    if (!/^\.[0-9](_?[0-9])*([eE][-+]?[0-9](_?[0-9])*)?$/.test(data)) return undefined;
    plain = data.replace(/_/g, '');
  } else if (/^[-+0-9]/.test(data)) {
    plain = data.replace(/_/g, '');
    if (!/^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$/.test(plain)) return undefined;
  } else {
    return undefined;
  }
  // Go's ParseFloat fails on overflow ("3e380"), and go-yaml then keeps the string.
  const value = Number(plain);
  return Number.isFinite(value) ? value : undefined;
}
/**
 * A float as go-yaml v2 reads it, boxed until resolveGoScalars unboxes it: js-yaml turns a mapping
 * key into a string with String(), and sigs.k8s.io/yaml (YAMLToJSON) turns a float key into one
 * with strconv.FormatFloat(key, 'g', -1, 32), `.inf`, `-.inf` and `.nan` for the special values.
 * So `1e20:` is the key "1e+20" and `3.14159265358979:` is "3.1415927"; String() of the number
 * would give "100000000000000000000" and the full digits, and a rewrite would rename the key.
 */
class GoFloat extends Number {
  override toString(): string {
    return formatGoFloatKey(this.valueOf());
  }
}

/**
 * Go's strconv.FormatFloat(value, 'g', -1, 32): the fewest digits that read back as the same
 * float32, in %e form when the exponent is below -4 or at least 6 (ftoa.go: "if precision was
 * the shortest possible, use precision 6 for this decision"), with a two-digit exponent.
 */
export function formatGoFloatKey(value: number): string {
  if (Number.isNaN(value)) return '.nan';
  const single = Math.fround(value);
  if (single === Number.POSITIVE_INFINITY) return '.inf';
  if (single === Number.NEGATIVE_INFINITY) return '-.inf';
  if (single === 0) return Object.is(single, -0) ? '-0' : '0';
  let precision = 1;
  while (precision < 9 && Math.fround(Number(single.toPrecision(precision))) !== single) precision += 1;
  const [mantissa = '', exponentText = '0'] = single.toExponential(precision - 1).split('e');
  const sign = mantissa.startsWith('-') ? '-' : '';
  const digits = mantissa.replace(/^-/, '').replace('.', '').replace(/(?<=.)0+$/, '');
  const exponent = Number(exponentText);
  if (exponent < -4 || exponent >= 6) {
    const significand = digits.length > 1 ? `${digits.slice(0, 1)}.${digits.slice(1)}` : digits;
    return `${sign}${significand}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`;
  }
  if (exponent >= digits.length - 1) return `${sign}${digits}${'0'.repeat(exponent - digits.length + 1)}`;
  if (exponent >= 0) return `${sign}${digits.slice(0, exponent + 1)}.${digits.slice(exponent + 1)}`;
  return `${sign}0.${'0'.repeat(-exponent - 1)}${digits}`;
}

const yaml11Float = new Type('tag:yaml.org,2002:float', {
  kind: 'scalar',
  resolve: (data: string) => goYamlFloat(data) !== undefined,
  construct: (data: string) => new GoFloat(goYamlFloat(data)),
});

/**
 * `~` and `null`, marked until resolveGoScalars turns them back into null: as a mapping key
 * sigs.k8s.io/yaml refuses it ("unsupported map key of type: <nil>"), and js-yaml would make it
 * the string "null". (A key left empty, `? ` alone, js-yaml makes "null" unmarked: not caught.)
 */
class GoNull {
  get [Symbol.toStringTag](): string {
    return 'GoNull';
  }
  toString(): string {
    return NULL_KEY;
  }
}
const NULL_KEY = '\u0000sa-kubeconfig:null-key';
const GO_NULL = new GoNull();
const yaml11Null = new Type('tag:yaml.org,2002:null', {
  kind: 'scalar',
  resolve: (data: string) => builtIn.null.resolve(data),
  construct: () => GO_NULL,
});

/**
 * A plain `<<`: go-yaml v2 applies a merge where it stands, in order (decode.go d.merge): it
 * overrides keys written before it, later keys override it, and of a list of maps the earlier
 * ones win. js-yaml's own merge lets every explicit key win, wherever it is, so a file kubectl
 * reads as `server: https://prod…` (an explicit key before `<<: *base`) would be rewritten with
 * the other server. So `<<` is read as a key of its own, named uniquely per occurrence (two
 * merges in one mapping both count), and resolveGoScalars applies the merges in key order.
 */
class GoMerge {
  static count = 0;
  readonly key = `${MERGE_KEY}${(GoMerge.count += 1)}`;
  get [Symbol.toStringTag](): string {
    return 'GoMerge';
  }
  toString(): string {
    return this.key;
  }
}
const MERGE_KEY = '\u0000sa-kubeconfig:merge:';
const yaml11Merge = new Type('tag:sa-kubeconfig,2026:merge', {
  kind: 'scalar',
  resolve: (data: string) => data === '<<',
  construct: () => new GoMerge(),
});

export const LOAD_SCHEMA = FAILSAFE_SCHEMA.extend({ implicit: [yaml11Null, yaml11Bool, yaml11Int, yaml11Float, yaml11Merge] });

/**
 * Writing: js-yaml quotes a string that one of its schema's types would read as something else,
 * and its default schema is YAML 1.2's (with the YAML 1.1 booleans quoted too). A string such as
 * `+_0`, `0O17` or `1_000` it would write plain, and go-yaml (kubectl, and LOAD_SCHEMA above)
 * would read a number. This type never matches on load; on dump it marks every string
 * LOAD_SCHEMA would not read back as a string, so that js-yaml quotes it.
 */
const YAML_11_NON_STRING = new Type('tag:sa-kubeconfig,2026:yaml-1.1-non-string', {
  kind: 'scalar',
  resolve: (data: string) => yaml11Bool.resolve(data) || yaml11Int.resolve(data) || yaml11Float.resolve(data),
});
const DUMP_SCHEMA = DEFAULT_SCHEMA.extend({ implicit: [YAML_11_NON_STRING] });

/** One YAML document as go-yaml v2 reads it (LOAD_SCHEMA, its floats and nulls unboxed). */
export function loadGoYaml(text: string, source = 'the document'): unknown {
  return resolveGoScalars(loadAll(text, undefined, { schema: LOAD_SCHEMA, json: true })[0], source);
}

/** Refuse to expand YAML alias bombs ("billion laughs") past this many nodes. */
export const MAX_EXPANDED_NODES = 2_000_000;

/**
 * Nothing but spaces and line breaks: no document, which kubectl reads as an empty kubeconfig
 * (go-yaml yields null). Not String.prototype.trim's white space: a tab, a form feed, a
 * no-break space alone are refused by go-yaml (or read as a string), so kubectl cannot load them.
 */
export function isBlankYaml(text: string): boolean {
  return /^[ \r\n]*$/.test(text);
}

export function parseKubeconfig(text: string, source: string, options: ParseOptions = {}): Kubeconfig {
  // client-go: "if there's no data in a file, return the default object instead of failing".
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (isBlankYaml(body)) return {};
  // What go-yaml refuses and js-yaml reads past: a tab-indented blank line, a `...` before any document.
  const refusal = findGoYamlRefusal(body);
  if (refusal !== undefined) throw malformed(source, formatGoYamlRefusal(refusal));
  // go-yaml v2 takes only `%YAML 1.1` ("incompatible YAML document"); js-yaml would read on.
  const directive = /^%YAML[ \t]+(\S+)/m.exec(body);
  if (directive !== null && directive[1] !== '1.1') throw malformed(source, `yaml: incompatible YAML document (%YAML ${directive[1]}; kubectl reads only YAML 1.1)`);
  let documents: unknown[];
  try {
    // json: a key given twice is the last value, as go-yaml v2 reads it (kubectl too), not an error.
    documents = loadAll(body, undefined, { filename: source, schema: LOAD_SCHEMA, json: true });
  } catch (error) {
    // go-yaml's reader refuses the same characters before it parses, in these words, with no line.
    const reason = !(error instanceof YAMLException)
      ? String(error)
      : error.reason === 'the stream contains non-printable characters'
        ? 'yaml: control characters are not allowed'
        : `yaml: ${withoutValueText(error.reason)}${error.mark ? ` (line ${error.mark.line + 1})` : ''}`;
    // No cause: js-yaml's error quotes the lines around the mark (a token on one of them), and
    // --debug prints causes.
    throw malformed(source, reason);
  }
  documents = documents.map((document) => resolveGoScalars(document, source));
  // kubectl reads the first document and ignores the rest; writing such a file back would drop
  // them, so it is refused (and left alone) rather than half read.
  // One that holds nothing ("---" at the end, `{}`) loses nothing.
  const extra = documents.slice(1).filter((other) => !isEmptyDocument(other)).length;
  if (extra > 0 && !options.firstDocumentOnly) {
    throw malformed(source, `the file holds ${extra + 1} YAML documents; kubectl reads only the first, and rewriting it would drop the others`);
  }
  const loaded = documents[0];
  if (loaded === null || loaded === undefined) return {};
  if (typeof loaded !== 'object' || Array.isArray(loaded)) {
    throw malformed(source, `expected a mapping at the top level, found ${Array.isArray(loaded) ? 'a list' : typeof loaded}`);
  }
  if (countNodes(loaded, MAX_EXPANDED_NODES) > MAX_EXPANDED_NODES) {
    throw malformed(source, `the document expands to more than ${MAX_EXPANDED_NODES.toLocaleString('en-US')} values (YAML aliases, or a very large file; sa-kubeconfig's limit, not kubectl's)`);
  }
  const document = normalizeZeroValues(loaded);
  const parsed = kubeconfigSchemas().kubeconfigSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? formatPath(issue.path) : '';
    const expected = issue && 'expected' in issue ? `expected ${String(issue.expected)}` : (issue?.message ?? 'invalid');
    const found = issue ? valueAt(document, issue.path) : undefined;
    // What YAML 1.1 made of an unquoted word or number, said plainly: the usual surprise.
    // A user's values may be secrets (a numeric token or password): their type only.
    const shown = issue?.path[0] === 'users' ? '' : ` ${String(found)}`;
    const yaml11 = typeof found === 'boolean' || typeof found === 'number' ? `, found the ${typeof found}${shown} (YAML 1.1, as kubectl reads it; quote the value to keep it a string)` : '';
    throw malformed(source, `${where ? `${where}: ` : ''}${expected}${yaml11}`);
  }
  const config = parsed.data;
  // client-go decodes with apiVersion v1 and kind Config as defaults; any other is refused
  // ('no kind "Config" is registered for version "v2"').
  if ((config.apiVersion ?? '') !== '' && config.apiVersion !== 'v1') {
    throw malformed(source, `no kind "${config.kind || 'Config'}" is registered for version "${config.apiVersion}" (a kubeconfig is apiVersion v1)`);
  }
  if ((config.kind ?? '') !== '' && config.kind !== 'Config') {
    throw malformed(source, `no kind "${config.kind}" is registered for version "v1" (a kubeconfig is kind Config)`);
  }
  // encoding/json decodes these []byte fields as base64 and refuses the file when one is not.
  for (const [list, key] of [['clusters', 'cluster'], ['users', 'user']] as const) {
    for (const [index, entry] of (config[list] ?? []).entries()) {
      const body = (entry as Record<string, unknown>)[key];
      for (const field of BASE64_FIELDS[key]) {
        const value = isRecord(body) ? body[field] : undefined;
        if (typeof value === 'string' && !isGoBase64(value)) throw malformed(source, `${list}[${index}].${key}.${field}: illegal base64 data (kubectl decodes it as padded standard base64)`);
      }
    }
  }
  // client-go rejects duplicate names inside one file (api/v1/conversion.go, "duplicate name %q
  // in list"), extensions' names included.
  const duplicate = findDuplicateName(config);
  if (duplicate !== undefined) throw malformed(source, `duplicate name "${duplicate.name}" in ${duplicate.where}`);
  return config;
}

/**
 * Encodes like client-go's Write (emitter.ts normalizeForWrite): keys sorted, named lists sorted by
 * name, current-context always present. emitter.ts writes the common case without js-yaml; this
 * is the same text for those, and js-yaml's for the rest. Long base64 values are never folded
 * (lineWidth -1), and aliases are never emitted.
 */
export function stringifyKubeconfig(config: Kubeconfig): string {
  return emitKubeconfig(config) ?? dumpKubeconfig(config);
}

/** js-yaml's text for any kubeconfig: what emitter.ts must match wherever it emits. */
export function dumpKubeconfig(config: Kubeconfig): string {
  return dump(normalizeForWrite(config), { schema: DUMP_SCHEMA, sortKeys: true, lineWidth: -1, noRefs: true, quotingType: '"' });
}

/**
 * js-yaml's reason without the text of a value it quotes: an unquoted token or password that
 * starts with "*" or "!" is read as an alias or a tag, and these reasons would print it (kubectl
 * prints it too: `yaml: unidentified alias "…"`). The line number still finds it. The prefixes
 * are every reason of js-yaml's loader that has text of the document in it (a unit test reads
 * the installed loader.js and fails on one not listed here).
 */
export const VALUE_QUOTING_REASONS = /^(unidentified alias |undeclared tag handle |unknown tag !<|unacceptable node kind for !<|cannot resolve a node with !<|tag name cannot contain such characters: |tag name is malformed: |tag prefix is malformed: |there is a previously declared suffix for )/;

export function withoutValueText(reason: string): string {
  const prefix = VALUE_QUOTING_REASONS.exec(reason)?.[1];
  if (prefix === undefined) return reason;
  if (prefix === 'unidentified alias ') return 'unidentified alias (a value that starts with "*" is read as a YAML alias: quote it; the name is not shown, it may be a secret)';
  return `${prefix.replace(/ !<$|: $| $/, '')} (a value that starts with "!" is read as a YAML tag: quote it; the tag is not shown, it may be a secret)`;
}

function malformed(source: string, reason: string, cause?: unknown): CliError {
  return new CliError('ERR_KUBECONFIG_MALFORMED', `error loading config file "${source}": ${reason}`, {
    hint: 'fix or move the file; sa-kubeconfig never overwrites a kubeconfig it cannot parse',
    cause,
  });
}

/**
 * encoding/json, which kubectl decodes with, reads null into a string or boolean field as its
 * zero value, a null list item as an entry of zero values, and a missing name as "". So
 * `namespace:` with nothing after it is no namespace, not a malformed file. Done here, before
 * the schema: the fields each stanza's shape names as plain strings or booleans lose a null,
 * null strings in the user's lists and maps become "", and named entries (extensions too) get
 * their name. Unknown fields and extension values keep their nulls.
 */
function normalizeZeroValues(document: unknown): unknown {
  if (!isRecord(document)) return document;
  dropNullScalars(document, SHAPES['kubeconfigSchema']);
  normalizeExtensions(document);
  if (isRecord(document['preferences'])) {
    dropNullScalars(document['preferences'], SHAPES['preferencesSchema']);
    normalizeExtensions(document['preferences']);
  }
  for (const [list, key, shape] of STANZAS) {
    const entries = document[list];
    if (!Array.isArray(entries)) continue;
    document[list] = entries.map((entry: unknown) => {
      const named = namedZero(entry);
      const body = isRecord(named) ? named[key] : undefined;
      if (!isRecord(body)) return named;
      dropNullScalars(body, SHAPES[shape]);
      normalizeExtensions(body);
      if (key === 'user') normalizeUser(body);
      return named;
    });
  }
  return document;
}

const STANZAS: ReadonlyArray<readonly [string, string, string]> = [
  ['clusters', 'cluster', 'clusterSchema'],
  ['users', 'user', 'userSchema'],
  ['contexts', 'context', 'contextSchema'],
];

/** A list item of a named type (`{name, …}`): null is the zero entry, a missing name "". */
function namedZero(entry: unknown): unknown {
  const named = entry === null ? {} : entry;
  if (isRecord(named) && (named['name'] === undefined || named['name'] === null)) named['name'] = '';
  return named;
}

function normalizeExtensions(record: Record<string, unknown>): void {
  if (Array.isArray(record['extensions'])) record['extensions'] = record['extensions'].map(namedZero);
}

/** The user's nested strings: exec args and env, impersonation lists, the auth-provider. */
function normalizeUser(user: Record<string, unknown>): void {
  const strings = (value: unknown) => (Array.isArray(value) ? value.map((item: unknown) => (item === null ? '' : item)) : value);
  if (Array.isArray(user['as-groups'])) user['as-groups'] = strings(user['as-groups']);
  const extra = user['as-user-extra'];
  if (isRecord(extra)) for (const key of Object.keys(extra)) extra[key] = strings(extra[key]);
  const exec = user['exec'];
  if (isRecord(exec)) {
    dropNullScalars(exec, SHAPES['execConfigSchema']);
    if (Array.isArray(exec['args'])) exec['args'] = strings(exec['args']);
    if (Array.isArray(exec['env'])) {
      exec['env'] = exec['env'].map((variable: unknown) => {
        const named = namedZero(variable);
        if (isRecord(named) && named['value'] === null) delete named['value'];
        return named;
      });
    }
  }
  const provider = user['auth-provider'];
  if (isRecord(provider)) {
    if (provider['name'] === undefined || provider['name'] === null) provider['name'] = '';
    const config = provider['config'];
    if (isRecord(config)) for (const key of Object.keys(config)) if (config[key] === null) config[key] = '';
  }
}

function isEmptyDocument(document: unknown): boolean {
  if (document === null || document === undefined || document === '') return true;
  if (Array.isArray(document)) return document.length === 0;
  return isRecord(document) && Object.keys(document).length === 0;
}

function dropNullScalars(record: Record<string, unknown>, shape: Readonly<Record<string, unknown>> | undefined): void {
  for (const [field, check] of Object.entries(shape ?? {})) {
    if (record[field] === null && isScalarCheck(check)) delete record[field];
  }
}

function valueAt(document: unknown, path: readonly PropertyKey[]): unknown {
  let value: unknown = document;
  for (const part of path) value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[part] : undefined;
  return value;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');
}

/**
 * Unboxes LOAD_SCHEMA's floats and nulls, in place (each node once, aliases included), and
 * refuses what sigs.k8s.io/yaml refuses on the way to JSON: a null mapping key ("unsupported map
 * key of type: <nil>") and an infinite or NaN value (encoding/json: "unsupported value: +Inf").
 */
function resolveGoScalars(root: unknown, source: string): unknown {
  const seen = new Set<object>();
  const resolve = (value: unknown): unknown => {
    if (value === GO_NULL) return null;
    // `<<` as a value is the string, as go-yaml decodes it.
    if (value instanceof GoMerge) return '<<';
    if (value instanceof GoFloat) {
      const number = value.valueOf();
      if (!Number.isFinite(number)) throw malformed(source, `json: unsupported value: ${Number.isNaN(number) ? 'NaN' : number > 0 ? '+Inf' : '-Inf'} (kubectl cannot load an infinite or NaN number; quote it to keep it a string)`);
      return number;
    }
    if (value === null || typeof value !== 'object' || seen.has(value)) return value;
    seen.add(value);
    if (Array.isArray(value)) {
      for (let index = 0; index < value.length; index += 1) value[index] = resolve(value[index]);
      return value;
    }
    const record = value as Record<string, unknown>;
    let merges = false;
    for (const key of Object.keys(record)) {
      if (key === NULL_KEY) throw malformed(source, 'unsupported map key of type <nil>: kubectl cannot load a null (~) used as a mapping key; quote it to make it the string "null"');
      if (key.startsWith(MERGE_KEY)) merges = true;
      record[key] = resolve(record[key]);
    }
    if (merges) applyGoMerges(record, source);
    return value;
  };
  return resolve(root);
}

/** go-yaml v2's merges, in place: each key in order, a `<<` overriding what came before it. */
function applyGoMerges(record: Record<string, unknown>, source: string): void {
  const keys = Object.keys(record);
  // JavaScript lists integer-like keys first, whatever their place in the file: where a merge
  // sits among them is lost, and with it which value kubectl reads.
  if (keys.some((key) => /^(0|[1-9][0-9]*)$/.test(key))) throw malformed(source, 'a YAML merge key (<<) in a mapping with numeric keys: sa-kubeconfig cannot keep the order kubectl applies it in; expand the merge');
  const merged: Record<string, unknown> = {};
  for (const key of keys) {
    const value = record[key];
    if (!key.startsWith(MERGE_KEY)) {
      setOwn(merged, key, value);
      continue;
    }
    const sources = Array.isArray(value) ? [...(value as unknown[])].reverse() : [value];
    for (const from of sources) {
      if (!isRecord(from)) throw malformed(source, 'yaml: map merge requires map or sequence of maps as the value');
      for (const [name, item] of Object.entries(from)) setOwn(merged, name, item);
    }
  }
  for (const key of keys) delete record[key];
  for (const [name, item] of Object.entries(merged)) setOwn(record, name, item);
}

/** An own property, also for a key such as `__proto__` (plain assignment would set the prototype). */
function setOwn(record: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(record, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Counts nodes as if aliases were expanded, stopping early past `limit`. */
function countNodes(value: unknown, limit: number): number {
  let count = 0;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    count += 1;
    if (count > limit) return count;
    if (node !== null && typeof node === 'object') {
      if (Array.isArray(node)) {
        for (const item of node) stack.push(item);
      } else {
        for (const item of Object.values(node)) stack.push(item);
      }
    }
  }
  return count;
}
