// Pure decode/encode of one kubeconfig file (client-go tools/clientcmd/loader.go Load / Write).
// The CLI imports this module only with import() (reader.ts, store.ts, kubectl/source-context.ts),
// for a kubeconfig reader.ts cannot read or emitter.ts cannot write, and for the schema: a new
// kubeconfig (init in a pod) and one as kubectl writes it never load js-yaml. scripts/build.mjs
// makes it a bundle of its own, dist/codec.cjs, with js-yaml, the schemas and their zod, and a
// code cache of its own. The demo, a bundle of its own too, imports it directly.
import * as jsYaml from 'js-yaml';
import { CORE_SCHEMA, DEFAULT_SCHEMA, dump, load, Type, YAMLException } from 'js-yaml';
import { CliError } from '../errors.js';
import { emitKubeconfig, normalizeForWrite } from './emitter.js';
import { kubeconfigSchemas, type Kubeconfig } from './schema.js';

// For kubectl/source-context.ts, which reads `kubectl config view -o json` (no YAML) with them.
export { kubeconfigSchemas };

/**
 * kubectl reads kubeconfigs with YAML 1.1 rules (sigs.k8s.io/yaml → go-yaml v2 resolve.go strips
 * "_" before parsing numbers), so a plain `1_000` or `0xFF_FF` is a number to it and the whole file
 * fails to load ("cannot unmarshal number into Go struct field … of type string"). js-yaml follows
 * YAML 1.2 and would not quote those; this never-matching-on-load type makes dump quote them.
 */
const YAML_11_NUMBER_WITH_UNDERSCORES = new Type('tag:sa-kubeconfig,2026:yaml-1.1-number', {
  kind: 'scalar',
  resolve: (data: string) => /^[-+]?[.0-9]/.test(data) && data.includes('_'),
});
const DUMP_SCHEMA = DEFAULT_SCHEMA.extend({ implicit: [YAML_11_NUMBER_WITH_UNDERSCORES] });
/**
 * Reading: the core schema plus merge keys, without js-yaml's default timestamp type, which would
 * turn `created: 2026-01-01` in an extension into a Date (rewritten as 2026-01-01T00:00:00.000Z)
 * and make a context named 2026-01-01 fail the schema, where kubectl keeps both as written.
 * (Dumping still uses the default schema so that such strings are quoted for YAML 1.1 readers.)
 */
// js-yaml exports its built-in types at run time; @types/js-yaml does not declare them.
const { merge } = (jsYaml as unknown as { readonly types: { readonly merge: Type } }).types;
export const LOAD_SCHEMA = CORE_SCHEMA.extend({ implicit: [merge] });

/** Refuse to expand YAML alias bombs ("billion laughs") past this many nodes. */
export const MAX_EXPANDED_NODES = 2_000_000;

export function parseKubeconfig(text: string, source: string): Kubeconfig {
  // client-go: "if there's no data in a file, return the default object instead of failing".
  const body = text.startsWith('\uFEFF') ? text.slice(1) : text;
  if (body.trim() === '') return {};
  let document: unknown;
  try {
    document = load(body, { filename: source, schema: LOAD_SCHEMA });
  } catch (error) {
    const reason = error instanceof YAMLException ? `yaml: ${error.reason} (line ${(error.mark?.line ?? 0) + 1})` : String(error);
    throw malformed(source, reason, error);
  }
  if (document === null || document === undefined) return {};
  if (typeof document !== 'object' || Array.isArray(document)) {
    throw malformed(source, `expected a mapping at the top level, found ${Array.isArray(document) ? 'a list' : typeof document}`);
  }
  if (countNodes(document, MAX_EXPANDED_NODES) > MAX_EXPANDED_NODES) {
    throw malformed(source, `the document expands to more than ${MAX_EXPANDED_NODES} nodes (YAML aliases?)`);
  }
  const parsed = kubeconfigSchemas().kubeconfigSchema.safeParse(document);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? formatPath(issue.path) : '';
    const expected = issue && 'expected' in issue ? `expected ${String(issue.expected)}` : (issue?.message ?? 'invalid');
    throw malformed(source, `${where ? `${where}: ` : ''}${expected}`);
  }
  const config = parsed.data;
  // client-go rejects duplicate names inside one file (api/v1/conversion.go, "duplicate name %q in list").
  for (const list of ['clusters', 'users', 'contexts'] as const) {
    const seen = new Set<string>();
    for (const entry of config[list] ?? []) {
      if (seen.has(entry.name)) throw malformed(source, `duplicate name "${entry.name}" in ${list}`);
      seen.add(entry.name);
    }
  }
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

function malformed(source: string, reason: string, cause?: unknown): CliError {
  return new CliError('ERR_KUBECONFIG_MALFORMED', `error loading config file "${source}": ${reason}`, {
    hint: 'fix or move the file; sa-kubeconfig never overwrites a kubeconfig it cannot parse',
    cause,
  });
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.map((part, index) => (typeof part === 'number' ? `[${part}]` : `${index === 0 ? '' : '.'}${String(part)}`)).join('');
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
