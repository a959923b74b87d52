// Property-based tests of the kubeconfig engine (fast-check): for any valid kubeconfig with odd
// names (unicode, colons, slashes, very long, YAML-special such as "yes", "null", "- x", "#",
// "1_000"), extensions and unknown fields, and any entry we write:
//   - parseKubeconfig ∘ stringifyKubeconfig is the identity on our model (lists sorted by name);
//   - upsertEntries keeps every other entry, every other top-level field and every field of the
//     replaced entry that we do not own;
//   - writeServiceAccountEntries on a real file, read back, is exactly that merge;
//   - kubectl itself reads every name we write back unchanged (one kubectl run over a batch).
// Runs: SA_KUBECONFIG_PROPERTY_RUNS (default 200; the file-writing property uses a quarter).
import { execFile } from 'node:child_process';
import * as fsp from 'node:fs/promises';
import { rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../../src/deps.js';
import { parseKubeconfig, stringifyKubeconfig } from '../../src/kubeconfig/codec.js';
import { buildServiceAccountEntries, type ServiceAccountEntries } from '../../src/kubeconfig/entry.js';
import { upsertEntries, type Upsert } from '../../src/kubeconfig/merge.js';
import type { Kubeconfig } from '../../src/kubeconfig/schema.js';
import { writeServiceAccountEntries, type StoreDeps } from '../../src/kubeconfig/store.js';
import { REAL_KUBECTL } from '../support/fake-kubectl.js';
import { tempDir } from '../support/mount.js';

const RUNS = Number(process.env['SA_KUBECONFIG_PROPERTY_RUNS'] ?? 200);

// ---------------------------------------------------------------------------------------------
// Arbitraries

const SPECIAL_NAMES = [
  'yes', 'no', 'on', 'off', 'y', 'n', 'Y', 'N', 'YES', 'Off', 'null', 'Null', 'NULL', '~', '', ' ', '- x', '-', '--', '---', '...', '#', '# c', 'a #b',
  'a: b', 'a:b', ':', 'true', 'False', '1.0', '0x1F', '012', '0o17', '0b101', '1e3', '+1', '-1', '.5', '.inf', '-.Inf', '.NaN', '1_000', '0xFF_FF',
  '1_0.5', '1:20', '190:20:30', '2026-11-28', '2026-11-28T19:00:00Z', '[x]', '{y}', '*a', '&b', '!t', '!!str', '%x', '@x', '`x', '| x', '> x',
  '? x', '<<', '=', '"', "'", '\\', ' lead', 'trail ', 'a\tb', 'line\nbreak', 'cr\rlf', 'ns/sa@host:6443', 'team-a/deployer@10.96.0.1',
  'https://10.0.0.1:6443/k8s/clusters/c-1', 'ü/ñ@ö:1', '日本/名前@クラスタ', '🙂', 'zero\u200bwidth', '\ufeffbom', 'nel\u0085x', 'ls\u2028x',
  'ctl\u0001x', 'del\u007fx', 'x'.repeat(300), `${'a'.repeat(1000)}:`, '__proto__', 'constructor', 'toString',
];

// No lone surrogates: they cannot be written as UTF-8 (String.prototype.isWellFormed is ES2024).
const wellFormed = (text: string) => !/\p{Surrogate}/u.test(text);

const nameArb: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_NAMES) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 24 }) },
  { weight: 2, arbitrary: fc.string({ unit: fc.constantFrom(...'0123456789_.+-:/@#xobeEyn ~'), minLength: 1, maxLength: 10 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 16 }).filter(wellFormed) },
);

const textArb = fc.oneof(fc.constantFrom(...SPECIAL_NAMES), fc.string({ unit: 'grapheme', maxLength: 30 }));
// A mapping key "__proto__" is not kept by a read-modify-write (zod assigns keys, which sets the
// prototype instead); no kubeconfig has one, and hostile.test.ts covers it as hostile input.
const keyArb = textArb.filter((key) => key !== '__proto__');
const jsonArb = fc.jsonValue({ maxDepth: 3 });
// Unique names: client-go (and codec.ts) refuse two extensions of one name in a list.
const extensionsArb = fc.uniqueArray(fc.record({ name: nameArb, extension: jsonArb }), { selector: (extension) => extension.name, maxLength: 3 });

/** Keys we do not know (and that no schema types), with arbitrary values. */
function unknownFields(known: readonly string[]): fc.Arbitrary<Record<string, unknown>> {
  return fc.dictionary(
    fc.oneof(fc.constantFrom('x-custom', 'colors', 'preferences2', 'Server', 'token_file'), fc.string({ unit: 'grapheme', minLength: 1, maxLength: 12 })).filter((key) => key !== '__proto__' && !known.includes(key)),
    jsonArb,
    { maxKeys: 2 },
  );
}

function withUnknown<T extends Record<string, unknown>>(known: fc.Arbitrary<T>, keys: readonly string[]): fc.Arbitrary<T> {
  return fc.tuple(known, unknownFields(keys)).map(([fields, extra]) => ({ ...extra, ...fields }));
}

const CLUSTER_KEYS = ['server', 'tls-server-name', 'insecure-skip-tls-verify', 'certificate-authority', 'certificate-authority-data', 'proxy-url', 'disable-compression', 'extensions'];
const clusterArb = withUnknown(
  fc.record(
    {
      server: fc.oneof(fc.webUrl(), textArb),
      'tls-server-name': fc.domain(),
      'insecure-skip-tls-verify': fc.boolean(),
      'certificate-authority': textArb,
      'certificate-authority-data': fc.base64String({ maxLength: 64 }),
      'proxy-url': fc.webUrl(),
      'disable-compression': fc.boolean(),
      extensions: extensionsArb,
    },
    { requiredKeys: [] },
  ),
  CLUSTER_KEYS,
);

const EXEC_KEYS = ['command', 'args', 'env', 'apiVersion', 'installHint', 'provideClusterInfo', 'interactiveMode'];
const execArb = withUnknown(
  fc.record(
    {
      command: textArb,
      args: fc.array(textArb, { maxLength: 3 }),
      env: fc.array(fc.record({ name: textArb, value: textArb }), { maxLength: 2 }),
      apiVersion: fc.constantFrom('client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'),
      installHint: textArb,
      provideClusterInfo: fc.boolean(),
      interactiveMode: fc.constantFrom('Never', 'IfAvailable', 'Always'),
    },
    { requiredKeys: [] },
  ),
  EXEC_KEYS,
);

const USER_KEYS = [
  'client-certificate', 'client-certificate-data', 'client-key', 'client-key-data', 'token', 'tokenFile', 'token-file', 'as', 'as-uid', 'as-groups',
  'as-user-extra', 'username', 'password', 'auth-provider', 'exec', 'extensions',
];
const userArb = withUnknown(
  fc.record(
    {
      token: textArb,
      tokenFile: textArb,
      'client-certificate-data': fc.base64String({ maxLength: 32 }),
      'client-key': textArb,
      as: textArb,
      'as-groups': fc.array(textArb, { maxLength: 2 }),
      'as-user-extra': fc.dictionary(keyArb, fc.array(textArb, { maxLength: 2 }), { maxKeys: 2 }),
      username: textArb,
      password: textArb,
      'auth-provider': fc.record({ name: textArb, config: fc.dictionary(keyArb, textArb, { maxKeys: 2 }) }),
      exec: execArb,
      extensions: extensionsArb,
    },
    { requiredKeys: [] },
  ),
  USER_KEYS,
);

const CONTEXT_KEYS = ['cluster', 'user', 'namespace', 'extensions'];
const contextArb = withUnknown(
  fc.record({ cluster: nameArb, user: nameArb, namespace: textArb, extensions: extensionsArb }, { requiredKeys: [] }),
  CONTEXT_KEYS,
);

function namedList<T>(entryKey: string, value: fc.Arbitrary<T>): fc.Arbitrary<Record<string, unknown>[]> {
  return fc
    .uniqueArray(fc.tuple(nameArb, value, unknownFields(['name', entryKey])), { selector: ([name]) => name, maxLength: 5 })
    .map((items) => items.map(([name, entry, extra]) => ({ ...extra, name, [entryKey]: entry })));
}

const TOP_KEYS = ['apiVersion', 'kind', 'preferences', 'clusters', 'users', 'contexts', 'current-context', 'extensions'];
const kubeconfigArb: fc.Arbitrary<Kubeconfig> = withUnknown(
  fc.record(
    {
      apiVersion: fc.constant('v1'),
      kind: fc.constant('Config'),
      preferences: fc.record({ colors: fc.boolean(), extensions: extensionsArb }, { requiredKeys: [] }),
      clusters: namedList('cluster', clusterArb),
      users: namedList('user', userArb),
      contexts: namedList('context', contextArb),
      'current-context': fc.oneof(nameArb, fc.constant('')),
      extensions: extensionsArb,
    },
    { requiredKeys: ['apiVersion', 'kind', 'clusters', 'users', 'contexts', 'current-context'] },
  ),
  TOP_KEYS,
) as fc.Arbitrary<Kubeconfig>;

/** Our entries, with names that often collide with the config's own names. */
function entriesArb(config: Kubeconfig): fc.Arbitrary<ServiceAccountEntries> {
  const existing = [...(config.clusters ?? []), ...(config.users ?? []), ...(config.contexts ?? [])].map((entry) => entry.name);
  const name = existing.length > 0 ? fc.oneof(nameArb, fc.constantFrom(...existing)) : nameArb;
  return fc
    .record({
      cluster: name,
      user: name,
      context: name,
      server: fc.webUrl({ validSchemes: ['https'] }),
      namespace: fc.constantFrom('default', 'team-a', 'kube-system'),
      embed: fc.boolean(),
      token: fc.base64String({ minLength: 16, maxLength: 64 }),
    })
    .map((input) =>
      buildServiceAccountEntries({
        names: { cluster: input.cluster, user: input.user, context: input.context },
        server: input.server,
        namespace: input.namespace,
        ca: input.embed ? { kind: 'data', pem: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n' } : { kind: 'file', path: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt' },
        credential: input.embed ? { kind: 'token', token: input.token } : { kind: 'tokenFile', path: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
      }),
    );
}

// ---------------------------------------------------------------------------------------------
// Helpers

const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** What stringify → parse must give back: lists sorted by name, the defaults it always writes. */
function normalize(config: Kubeconfig): Kubeconfig {
  return {
    ...config,
    apiVersion: config.apiVersion ?? 'v1',
    kind: config.kind ?? 'Config',
    clusters: [...(config.clusters ?? [])].sort(byName),
    users: [...(config.users ?? [])].sort(byName),
    contexts: [...(config.contexts ?? [])].sort(byName),
    'current-context': config['current-context'] ?? '',
  };
}

/** JSON-level equality that keeps own `__proto__` keys (toEqual compares them too, but this reads better in failures). */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

const LISTS = [
  ['clusters', 'cluster', ['server', 'certificate-authority', 'certificate-authority-data', 'insecure-skip-tls-verify', 'tls-server-name']],
  ['users', 'user', USER_KEYS.filter((key) => key !== 'extensions')],
  ['contexts', 'context', ['cluster', 'user', 'namespace']],
] as const;

function upsertFor(entries: ServiceAccountEntries, setCurrent: boolean): Upsert {
  return { cluster: entries.cluster, user: entries.user, context: entries.context, ...(setCurrent ? { currentContext: entries.context.name } : {}) };
}

// ---------------------------------------------------------------------------------------------

describe('kubeconfig codec properties', () => {
  it('parse ∘ stringify is the identity on the model, and stringify is stable', () => {
    fc.assert(
      fc.property(kubeconfigArb, (config) => {
        const text = stringifyKubeconfig(config);
        const parsed = parseKubeconfig(text, 'property');
        expect(plain(parsed)).toEqual(plain(normalize(config)));
        expect(stringifyKubeconfig(parsed)).toBe(text);
      }),
      { numRuns: RUNS },
    );
  });

  it('names that need quoting in YAML survive as the same strings', () => {
    fc.assert(
      fc.property(fc.uniqueArray(nameArb, { minLength: 1, maxLength: 20 }), (names) => {
        const config: Kubeconfig = { contexts: names.map((name) => ({ name, context: { cluster: name, user: name, namespace: name } })), 'current-context': names[0] ?? '' };
        const parsed = parseKubeconfig(stringifyKubeconfig(config), 'property');
        expect(parsed.contexts?.map((entry) => entry.name)).toEqual([...names].sort());
        for (const entry of parsed.contexts ?? []) expect(entry.context).toEqual({ cluster: entry.name, user: entry.name, namespace: entry.name });
        expect(parsed['current-context']).toBe(names[0]);
      }),
      { numRuns: RUNS },
    );
  });
});

describe('merge properties', () => {
  it('upsertEntries keeps every other entry, every top-level field and the fields we do not own', () => {
    fc.assert(
      fc.property(
        kubeconfigArb.chain((config) => fc.tuple(fc.constant(config), entriesArb(config), fc.boolean())),
        ([config, entries, setCurrent]) => {
          const { config: merged, changes } = upsertEntries(config, upsertFor(entries, setCurrent));
          // Top level: everything but the lists and current-context is untouched.
          for (const key of Object.keys(config)) {
            if (['clusters', 'users', 'contexts', 'current-context'].includes(key)) continue;
            expect(plain(merged[key])).toEqual(plain(config[key]));
          }
          expect(merged['current-context']).toBe(setCurrent ? entries.context.name : config['current-context']);
          for (const [list, entryKey, owned] of LISTS) {
            const ours = entries[entryKey] as unknown as { name: string } & Record<string, Record<string, unknown>>;
            const before = (config[list] ?? []) as (Record<string, unknown> & { name: string })[];
            const after = (merged[list] ?? []) as (Record<string, unknown> & { name: string })[];
            // Every other entry, in its place and unchanged.
            expect(plain(after.filter((entry) => entry.name !== ours.name))).toEqual(plain(before.filter((entry) => entry.name !== ours.name)));
            const old = before.find((entry) => entry.name === ours.name);
            const now = after.find((entry) => entry.name === ours.name);
            expect(after).toHaveLength(before.length + (old ? 0 : 1));
            expect(changes.find((change) => change.stanza === entryKey)?.kind).toMatch(old ? /^(updated|unchanged)$/ : /^created$/);
            const body = (now?.[entryKey] ?? {}) as Record<string, unknown>;
            const oursBody = ours[entryKey] as Record<string, unknown>;
            // Our fields exactly; owned fields we do not set are gone (a service-account user has one identity).
            for (const key of owned) expect(body[key]).toEqual(oursBody[key]);
            for (const [key, value] of Object.entries(oursBody)) expect(body[key]).toEqual(value);
            // Every field of the old entry we do not own survives (extensions, exec-less unknowns, proxy-url unless ours sets it).
            const oldBody = (old?.[entryKey] ?? {}) as Record<string, unknown>;
            for (const [key, value] of Object.entries(oldBody)) {
              if ((owned as readonly string[]).includes(key) || key in oursBody) continue;
              expect(plain(body[key])).toEqual(plain(value));
            }
            // And the fields beside the body (unknown keys next to name) survive too.
            for (const [key, value] of Object.entries(old ?? {})) {
              if (key !== entryKey) expect(plain(now?.[key])).toEqual(plain(value));
            }
          }
          // The merged model survives the codec as well.
          expect(plain(parseKubeconfig(stringifyKubeconfig(merged), 'property'))).toEqual(plain(normalize(merged)));
        },
      ),
      { numRuns: RUNS },
    );
  });
});

describe('store properties (real files)', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir('sa-kubeconfig-properties-');
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  const deps = (): StoreDeps =>
    ({
      fs: fsp,
      env: {},
      homeDir: dir,
      cwd: dir,
      pid: process.pid,
      now: () => new Date(),
      sleep: (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)),
      hostname: hostname(),
      processAlive: () => true,
    }) satisfies Partial<Deps>;

  it('writeServiceAccountEntries then reading the file back yields the merged model', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(
        kubeconfigArb.chain((config) => fc.tuple(fc.constant(config), entriesArb(config), fc.boolean())),
        async ([config, entries, setCurrent]) => {
          const file = join(dir, `config-${(run += 1)}`);
          const text = stringifyKubeconfig(config);
          writeFileSync(file, text, { mode: 0o600 });
          const result = await writeServiceAccountEntries(deps(), { explicitPath: file, entries, setCurrent });
          expect(result.kubeconfig).toBe(file);
          const written = parseKubeconfig(await fsp.readFile(file, 'utf8'), file);
          const expected = upsertEntries(parseKubeconfig(text, file), upsertFor(entries, setCurrent)).config;
          expect(plain(written)).toEqual(plain(normalize(expected)));
          expect((await fsp.stat(file)).mode & 0o777).toBe(0o600);
        },
      ),
      { numRuns: Math.max(10, Math.floor(RUNS / 4)) },
    );
  });
});

describe('kubectl reads the names we write', () => {
  it('every generated name comes back unchanged from kubectl config view', async () => {
    const names = [...new Set([...SPECIAL_NAMES, ...fc.sample(nameArb, { numRuns: RUNS, seed: 20261128 })])];
    const dir = tempDir('sa-kubeconfig-kubectl-names-');
    const file = join(dir, 'config');
    const contexts = names.map((name) => ({ name, context: { cluster: name, user: name, namespace: 'default' } }));
    writeFileSync(file, stringifyKubeconfig({ contexts, 'current-context': '' }), { mode: 0o600 });
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(REAL_KUBECTL, ['config', 'view', '-o', 'json', '--kubeconfig', file], { env: { PATH: '/usr/bin:/bin', HOME: dir }, maxBuffer: 64 << 20 }, (error, out, err) =>
        error ? reject(new Error(err)) : resolve(out),
      );
    });
    rmSync(dir, { recursive: true, force: true });
    const view = JSON.parse(stdout) as { contexts: { name: string; context: { cluster: string; user: string } }[] };
    expect(view.contexts.map((entry) => entry.name).sort()).toEqual([...names].sort());
    for (const entry of view.contexts) expect(entry.context).toMatchObject({ cluster: entry.name, user: entry.name });
  });
});
