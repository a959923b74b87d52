// codec.ts reads a kubeconfig as kubectl does (sigs.k8s.io/yaml → go-yaml v2's YAML 1.1 scalars,
// then encoding/json into client-go's types), with the real kubectl as the oracle: for each text,
// if kubectl refuses to load it we refuse it, and if kubectl loads it, what we write back reads
// the same to kubectl as the original does.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import * as fsp from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKubeconfig, stringifyKubeconfig } from '../../src/kubeconfig/codec.js';
import { parseKubeconfigText } from '../../src/kubeconfig/reader.js';
import { readKubeconfigFile } from '../../src/kubeconfig/load.js';
import { CliError } from '../../src/errors.js';
import { tempDir } from '../support/mount.js';

const KUBECTL = process.env['KUBECTL'] ?? 'kubectl';

/** kubectl's reading of a file: its JSON view, or its error line. */
function kubectlView(file: string): { view?: unknown; error?: string } {
  const result = spawnSync(KUBECTL, ['config', 'view', '--raw', '-o', 'json', '--kubeconfig', file], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '', HOME: tempDir() } });
  return result.status === 0 ? { view: JSON.parse(result.stdout) as unknown } : { error: result.stderr.trim() };
}

const cluster = (extra: string) => `clusters:\n- name: c\n  cluster:\n    server: https://x\n${extra}`;
const extension = (body: string) => cluster(`    extensions:\n    - name: e\n      extension:\n${body}`);
const context = (field: string) => `contexts:\n- name: dev\n  context:\n    cluster: dev\n    user: dev\n    ${field}\n`;

const texts: ReadonlyArray<readonly [string, string]> = [
  ['apiVersion v2', 'apiVersion: v2\nkind: Config\n'],
  ['kind Cfg', 'apiVersion: v1\nkind: Cfg\n'],
  ['no apiVersion or kind', 'current-context: x\n'],
  ['empty apiVersion and kind', 'apiVersion: ""\nkind: ""\ncurrent-context: x\n'],
  ['a null namespace', context('namespace:')],
  ['a ~ namespace', context('namespace: ~')],
  ['a null apiVersion', 'apiVersion:\nkind: Config\ncurrent-context: x\n'],
  ['namespace: on (a YAML 1.1 boolean)', context('namespace: on')],
  ['namespace: "on" (quoted)', context('namespace: "on"')],
  ['namespace: Yes', context('namespace: Yes')],
  ['namespace: 0x1F', context('namespace: 0x1F')],
  ['namespace: 1_000', context('namespace: 1_000')],
  ['namespace: 2026-01-01 (a timestamp stays a string)', context('namespace: 2026-01-01')],
  ['cluster: y', 'contexts:\n- name: dev\n  context:\n    cluster: y\n    user: dev\n'],
  ['insecure-skip-tls-verify: yes', cluster('    insecure-skip-tls-verify: yes\n')],
  ['insecure-skip-tls-verify: "true" (a string)', cluster('    insecure-skip-tls-verify: "true"\n')],
  ['insecure-skip-tls-verify: Off', cluster('    insecure-skip-tls-verify: Off\n')],
  ['insecure-skip-tls-verify: null', cluster('    insecure-skip-tls-verify:\n')],
  ['a numeric name', 'clusters:\n- name: 123\n  cluster:\n    server: https://x\n'],
  ['a numeric server', 'clusters:\n- name: c\n  cluster:\n    server: 1.5\n'],
  ['a key given twice (the last wins)', 'current-context: a\ncurrent-context: b\n'],
  ['a null list item', 'clusters:\n-\n- name: c\n  cluster:\n    server: https://x\n'],
  ['a cluster without a name', 'clusters:\n- cluster:\n    server: https://x\n'],
  ['a null name', 'clusters:\n- name:\n  cluster:\n    server: https://x\n'],
  ['a null token', 'users:\n- name: u\n  user:\n    token:\n'],
  ['a null exec command', 'users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command:\n'],
  ['YAML 1.1 numbers and words in an extension', extension('        port: 0777\n        hex: 0x1F\n        bin: 0b101\n        sep: 1_000\n        exp: 1e3\n        lead: 08\n        neg: -0o17\n        f: .5\n        t: 2001-12-14\n        s: 1:20\n        n: yes\n        o: off\n')],
  ['a float too large for a double (Go keeps the string)', context('namespace: 3e380')],
  ['a float with "_" after the dot (Go ParseFloat: a number)', context('namespace: .5_5')],
  ['a float with "_" in the exponent', context('namespace: .5e1_0')],
  ['a "." word that is no float: ._5', context('namespace: ._5')],
  ['a "." word that is no float: .5_', context('namespace: .5_')],
  ['a quoted ".1_0" in an extension stays a string', extension('        version: ".1_0"\n        other: "+_0"\n')],
  ['an exec env variable without a value', 'users:\n- name: u\n  user:\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: aws\n      env:\n      - name: AWS_PROFILE\n        value:\n      -\n'],
  ['exec args and as-groups holding null', 'users:\n- name: u\n  user:\n    as: x\n    as-groups: [a, null]\n    exec:\n      apiVersion: client.authentication.k8s.io/v1\n      command: aws\n      args: [x, ~]\n'],
  ['as-user-extra holding null', 'users:\n- name: u\n  user:\n    as: x\n    as-user-extra:\n      k:\n      j: [a, null]\n'],
  ['an auth-provider with null name and config values', 'users:\n- name: u\n  user:\n    auth-provider:\n      name:\n      config:\n        a:\n        b: c\n'],
  ['an extension entry without a name', cluster('    extensions:\n    - extension: {a: 1}\n')],
  ['two extension entries named alike (an unnamed and a null one)', cluster('    extensions:\n    - extension: {a: 1}\n    -\n')],
  ['two context extensions named alike', 'contexts:\n- name: c\n  context:\n    cluster: c\n    extensions:\n    - {name: e, extension: 1}\n    - {name: e, extension: 2}\n'],
  ['a top-level extension without a name', 'extensions:\n- extension: {a: 1}\ncurrent-context: x\n'],
  ['a second document that is empty', 'current-context: a\n---\n{}\n'],
  ['a %YAML 1.2 directive', '%YAML 1.2\n---\ncurrent-context: a\n'],
  ['a %YAML 1.1 directive', '%YAML 1.1\n---\ncurrent-context: a\n'],
  ['a YAML 1.1 word as an extension key', extension('        n: 1\n        on: 2\n')],
  ['float keys (sigs.k8s.io/yaml formats them as float32 %g)', extension('        1e20: a\n        3.14159265358979: b\n        1e3: c\n        1e6: d\n        100000: e\n        0.00001: f\n        0.0001: g\n        123456789.0: h\n        1.0: i\n        -1.5: j\n        1234567.0: k\n        3.5e38: l\n        16777217.0: m\n        0.1: n\n')],
  ['special float keys', extension('        .inf: a\n        -.inf: b\n        .nan: c\n        -.0: d\n')],
  ['int and bool keys', extension('        0x10: a\n        -0: b\n        0o17: c\n        yes: d\n        off: e\n        2006-01-02: f\n')],
  ['a null mapping key', extension('        ~: 1\n')],
  ['a "null" mapping key', extension('        null: 1\n')],
  ['a quoted "null" mapping key', extension('        "null": 1\n')],
  ['a null key in a field we do not know', 'x-extra:\n  Null: 1\ncurrent-context: a\n'],
  ['an infinite value', extension('        k: .inf\n')],
  ['a NaN value', extension('        k: .NaN\n')],
  ['a -.inf value in a field we do not know', 'x-extra: [-.inf]\n'],
  ['a quoted .inf value', extension('        k: ".inf"\n')],
  ['an aliased float used as key and value', extension('        a: &f 2.5\n        b: *f\n')],
  ['a merge after an explicit key overrides it (go-yaml applies merges in order)', 'apiVersion: v1\nkind: Config\nclusters:\n- name: prod\n  cluster: &base\n    server: https://prod.example:6443\n    insecure-skip-tls-verify: true\n- name: staging\n  cluster:\n    server: https://staging.example:6443\n    <<: *base\n'],
  ['merges in an extension, in order', extension('        a: 1\n        <<: {a: 2, b: 2}\n        c: 1\n        <<: [{c: 3, d: 3}, {c: 4, d: 4, e: 4}]\n        e: 5\n')],
  ['two merges in one mapping both count', extension('        <<: {a: 1}\n        <<: {b: 2}\n')],
  ['a merge of a mapping that merges', extension('        x: &x {a: 1, b: 1}\n        y: &y {<<: *x, b: 2}\n        z: {a: 0, <<: *y}\n')],
  ['a merge that is not a map', extension('        <<: 1\n')],
  ['a merge list holding a scalar', extension('        <<: [{a: 1}, 2]\n')],
  ['a quoted "<<" is a key, not a merge', extension('        "<<": {a: 1}\n')],
  ['<< as a value', extension('        k: <<\n        l: [<<]\n')],
  ['certificate-authority-data without its padding', cluster('    certificate-authority-data: aGVsbG8\n')],
  ['certificate-authority-data padded', cluster('    certificate-authority-data: aGVsbG8=\n')],
  ['certificate-authority-data with a line break inside (skipped, as encoding/json skips it)', cluster('    certificate-authority-data: "aGVs\\nbG8="\n')],
  ['certificate-authority-data with a space inside', cluster('    certificate-authority-data: aGVs bG8=\n')],
  ['certificate-authority-data in base64url', cluster('    certificate-authority-data: aGVsbG8-\n')],
  ['client-key-data that is not base64', 'users:\n- name: u\n  user:\n    client-key-data: "not base64!!"\n'],
  ['client-certificate-data empty', 'users:\n- name: u\n  user:\n    client-certificate-data: ""\n'],
  ['preferences.colors a string', 'preferences:\n  colors: "yes"\n'],
  ['preferences.colors a number', 'preferences:\n  colors: 1\n'],
  ['preferences.colors true, and a key we do not know', 'preferences:\n  colors: true\n  x-other: 1\n'],
  ['preferences.colors null', 'preferences:\n  colors:\n'],
  ['duplicate extension names under a cluster', cluster('    extensions:\n    - name: e\n      extension: {}\n    - name: e\n      extension: {}\n')],
  ['duplicate extension names under preferences', 'preferences:\n  extensions:\n  - name: e\n    extension: {}\n  - name: e\n    extension: {}\n'],
  ['merge keys', 'base: &b {server: https://x}\nclusters:\n- name: c\n  cluster:\n    <<: *b\n    tls-server-name: x\n'],
  // White space that go-yaml refuses where js-yaml reads a blank line (go-yaml-scan.ts), and texts
  // that String.prototype.trim would call empty.
  ["go-yaml: \\t\\n", "\t\n"],
  ["go-yaml: \\t# note\\n", "\t# note\n"],
  ["go-yaml:   \\t\\n", "  \t\n"],
  ["go-yaml: # a\\n\\t\\n", "# a\n\t\n"],
  ["go-yaml: apiVersion: v1\\n\\t\\n", "apiVersion: v1\n\t\n"],
  ["go-yaml: apiVersion: v1\\n\\t# c\\n", "apiVersion: v1\n\t# c\n"],
  ["go-yaml: apiVersion: v1 \\t\\n", "apiVersion: v1 \t\n"],
  ["go-yaml: apiVersion: v1\\t# c\\n", "apiVersion: v1\t# c\n"],
  ["go-yaml: current-context: \\\"a\\n\\tb\\\"\\n", "current-context: \"a\n\tb\"\n"],
  ["go-yaml: current-context: \\\"a\\n\\t\\n b\\\"\\n", "current-context: \"a\n\t\n b\"\n"],
  ["go-yaml: current-context: 'a\\n\\t\\n b'\\n", "current-context: 'a\n\t\n b'\n"],
  ["go-yaml: ...\\n", "...\n"],
  ["go-yaml: # c\\n...\\n", "# c\n...\n"],
  ["go-yaml: ... # c\\n", "... # c\n"],
  ["go-yaml: apiVersion: v1\\n...\\n", "apiVersion: v1\n...\n"],
  ["go-yaml: \\r\\n", "\r\n"],
  ["go-yaml:  \\r\\n \\n", " \r\n \n"],
  ["go-yaml: \\f\\n", "\f\n"],
  ["go-yaml: \\u000b\\n", "\u000b\n"],
  ["go-yaml: \\u00a0\\n", "\u00a0\n"],
  ["go-yaml: \\u3000\\n", "\u3000\n"],
  ["go-yaml: \\ufeff\\t", "\ufeff\t"],
  ["go-yaml: clusters:\\n- name: a\\n  cluster:\\n    server: https://x\\n\\t\\n", "clusters:\n- name: a\n  cluster:\n    server: https://x\n\t\n"],
  ["go-yaml: current-context: a\\n  \\t\\n", "current-context: a\n  \t\n"],
  ["go-yaml: current-context: a\\n\\n\\t\\n", "current-context: a\n\n\t\n"],
  ["go-yaml: kind: Config\\n\\t\\napiVersion: v1\\n", "kind: Config\n\t\napiVersion: v1\n"],
  ["go-yaml: users:\\n- name: u\\n  user:\\n    token: x\\n  \\t\\n", "users:\n- name: u\n  user:\n    token: x\n  \t\n"],
  ["go-yaml: users:\\n- name: u\\n  user:\\n    token: x\\n     \\t\\n", "users:\n- name: u\n  user:\n    token: x\n     \t\n"],
  ["go-yaml: apiVersion: v1 # x\\n\\t\\n", "apiVersion: v1 # x\n\t\n"],
  ["go-yaml: args:\\n- a\\n\\t\\n", "args:\n- a\n\t\n"],
  ["go-yaml: x:\\n  - a\\n   \\t\\n", "x:\n  - a\n   \t\n"],
  ["go-yaml: x:\\n  - a\\n  \\t\\n", "x:\n  - a\n  \t\n"],
  ["go-yaml: preferences: {}\\ncurrent-context: |\\n  x\\n   \\t\\n", "preferences: {}\ncurrent-context: |\n  x\n   \t\n"],
  ["go-yaml: current-context: |\\n    x\\n   \\t\\n", "current-context: |\n    x\n   \t\n"],
  ["go-yaml: current-context: |\\n\\t\\n  x\\n", "current-context: |\n\t\n  x\n"],
  ["go-yaml: current-context: >-\\n  x\\n  \\t\\n", "current-context: >-\n  x\n  \t\n"],
  ["go-yaml: a: &x v\\n\\t\\n", "a: &x v\n\t\n"],
  ["go-yaml: a:\\n\\t\\n  b: c\\n", "a:\n\t\n  b: c\n"],
  ["go-yaml: ---\\n\\t\\n", "---\n\t\n"],
  ["go-yaml: --- # c\\n\\t\\n", "--- # c\n\t\n"],
  ["go-yaml: a: 1\\n---\\n\\t\\n", "a: 1\n---\n\t\n"],
  ["go-yaml: a: 1\\n...\\n\\t\\n", "a: 1\n...\n\t\n"],
  ["go-yaml: ---\\na: b\\n\\t\\n", "---\na: b\n\t\n"],
  ["go-yaml: current-context: [x,\\n\\t\\n]\\n", "current-context: [x,\n\t\n]\n"],
  ["go-yaml: current-context: {a: \\\"x\\n\\t\\n\\\"}\\n", "current-context: {a: \"x\n\t\n\"}\n"],
  ["go-yaml: current-context: it's\\n\\t\\n", "current-context: it's\n\t\n"],
  ["go-yaml: \\\"current-context\\\": x\\n\\t\\n", "\"current-context\": x\n\t\n"],
  ["go-yaml: \\\"current-context\\\": x\\n \\t\\n", "\"current-context\": x\n \t\n"],
  ["go-yaml: current-context: x # c\\n \\t\\n", "current-context: x # c\n \t\n"],
  ["go-yaml: current-context: \\\"x\\\" \\n \\t\\n", "current-context: \"x\" \n \t\n"],
  ['go-yaml: a block scalar with an indentation indicator and a tab line at its indentation (i1)', "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://x:6443\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user:\n    token: abc\n    as-user-extra:\n      k:\n      - |2\n           indented first\n          \t\n          more\n"],
  ['go-yaml: a block scalar with an indentation indicator and a tab line at its indentation (i2)', "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: https://x:6443\ncontexts:\n- name: c\n  context:\n    cluster: c\n    user: u\ncurrent-context: c\nusers:\n- name: u\n  user:\n    token: abc\n    as-user-extra:\n      k:\n      - |2\n          \t\n          abc\n"],
];

// kubectl is required, as for the other oracle tests (.ci/run installs it): no silent skip.
describe('reading kubeconfigs as kubectl does', () => {
  const dir = tempDir();
  it.each(texts)('%s', async (_name, text) => {
    const original = join(dir, 'original');
    writeFileSync(original, text);
    const theirs = kubectlView(original);
    // reader.ts's fast path (what init, probe and from-* use) reads each text as codec.ts does.
    const viaReader = await parseKubeconfigText(text, original).then(
      (config) => stringifyKubeconfig(config),
      (error: unknown) => (error instanceof CliError ? error.code : error),
    );
    let ours: string | undefined;
    try {
      ours = stringifyKubeconfig(parseKubeconfig(text, original));
      expect(viaReader, 'reader.ts and codec.ts read it alike').toBe(ours);
    } catch (error) {
      expect(viaReader, 'reader.ts refuses it too').toBe('ERR_KUBECONFIG_MALFORMED');
      if (!(error instanceof CliError) || error.code !== 'ERR_KUBECONFIG_MALFORMED') throw error;
      expect(theirs.error, `we refused (${error.message}) what kubectl loads`).toBeDefined();
      // go-yaml-scan.ts's refusals (and non-printable characters) are in kubectl's words, line number included.
      const scanned = /(yaml: (?:line \d+: )?(?:found character that cannot start any token|found a tab character .*|did not find expected node content|control characters are not allowed))$/.exec(error.message)?.[1];
      if (scanned !== undefined) expect(theirs.error).toContain(`: ${scanned}`);
      return;
    }
    expect(theirs.error, 'we loaded what kubectl refuses').toBeUndefined();
    const rewritten = join(dir, 'rewritten');
    writeFileSync(rewritten, ours);
    expect(kubectlView(rewritten)).toEqual(theirs);
  });

  it('refuses an integer a JavaScript number cannot hold, which kubectl would keep exactly', () => {
    const text = extension('        big: 12345678901234567890\n');
    expect(() => parseKubeconfig(text, 'big')).toThrow('error loading config file "big": yaml: an integer of 20 digits is too large to be kept exactly');
    expect(() => parseKubeconfig(text, 'big')).not.toThrow(/line/);
    expect(parseKubeconfig(extension('        two53: 9007199254740992\n        two60: 1152921504606847000\n'), 'ok').clusters?.[0]?.cluster?.extensions?.[0]?.extension).toEqual({ two53: 2 ** 53, two60: 2 ** 60 });
    writeFileSync(join(dir, 'big'), text);
    const raw = spawnSync(KUBECTL, ['config', 'view', '--raw', '-o', 'json', '--kubeconfig', join(dir, 'big')], { encoding: 'utf8' }).stdout;
    expect(raw).toContain('"big": 12345678901234567890');
  });

  it('names float keys as kubectl does (strconv.FormatFloat(key, \'g\', -1, 32)), on generated floats', () => {
    // A seeded spread of magnitudes and digit counts, written in exponent form so that go-yaml
    // reads each as a float. Within float32's range: past it two keys become one (".inf", "0"),
    // and which one's value survives follows Go's random map order.
    let seed = 20261201;
    const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const keys = Array.from({ length: 400 }, () => {
      const digits = 1 + Math.floor(random() * 12);
      // Not zero: Go's map takes -0.0 and 0.0 as one key (the last one's spelling).
      const mantissa = (1 + random() * 8.99).toFixed(digits - 1);
      return `${random() < 0.2 ? '-' : ''}${mantissa}e${Math.floor(random() * 70) - 35}`;
    });
    const text = extension(keys.map((key, index) => `        ${key}: v${index}\n`).join(''));
    const file = join(dir, 'float-keys');
    writeFileSync(file, text);
    const theirs = kubectlView(file).view as { clusters: [{ cluster: { extensions: [{ extension: unknown }] } }] };
    expect(parseKubeconfig(text, file).clusters?.[0]?.cluster?.extensions?.[0]?.extension).toEqual(theirs.clusters[0].cluster.extensions[0].extension);
  });

  it('reads the bytes as kubectl does: UTF-16 with a byte-order mark, UTF-8, and nothing else', async () => {
    const text = 'apiVersion: v1\nkind: Config\nclusters:\n- name: caf\u00e9 \uFFFD\n  cluster:\n    server: https://o:1\n';
    const le = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(text, 'utf16le')]);
    const be = Buffer.from(le).swap16();
    const cases: ReadonlyArray<readonly [string, Buffer, boolean]> = [
      ['UTF-16LE with a byte-order mark (PowerShell 5)', le, true],
      ['UTF-16BE with a byte-order mark', be, true],
      ['UTF-8 holding a U+FFFD of its own', Buffer.from(text, 'utf8'), true],
      ['latin-1 bytes (not UTF-8)', Buffer.from('apiVersion: v1\nkind: Config\ncurrent-context: caf\u00e9\n', 'latin1'), false],
      ['UTF-16LE cut in the middle of a character', le.subarray(0, le.length - 1), false],
    ];
    for (const [name, bytes, loads] of cases) {
      const file = join(dir, 'bytes');
      writeFileSync(file, bytes);
      const theirs = kubectlView(file);
      expect(theirs.error === undefined, `${name}: kubectl loads it`).toBe(loads);
      if (!loads) {
        await expect(readKubeconfigFile({ fs: fsp }, file), name).rejects.toMatchObject({ code: 'ERR_KUBECONFIG_MALFORMED' });
        continue;
      }
      const rewritten = join(dir, 'bytes-rewritten');
      writeFileSync(rewritten, stringifyKubeconfig((await readKubeconfigFile({ fs: fsp }, file)) ?? {}));
      expect(kubectlView(rewritten), name).toEqual(theirs);
    }
  });

  it('refuses a second YAML document (kubectl would read the first, and a rewrite would drop the rest)', () => {
    expect(() => parseKubeconfig('current-context: a\n---\ncurrent-context: b\n', 'two')).toThrow(/holds 2 YAML documents/);
    expect(parseKubeconfig('current-context: a\n---\n', 'one')).toEqual({ 'current-context': 'a' });
  });

  it('reads the first document of several, as kubectl does, for a reader that never writes (the probe)', async () => {
    const file = join(tempDir(), 'multi');
    writeFileSync(file, `${cluster('')}current-context: a\n---\ncurrent-context: b\n`);
    const theirs = kubectlView(file).view as { 'current-context': string; clusters: unknown[] };
    const ours = await readKubeconfigFile({ fs: fsp }, file, { firstDocumentOnly: true });
    expect(ours?.['current-context']).toBe(theirs['current-context']);
    expect(ours?.clusters?.map((entry) => entry.name)).toEqual(['c']);
    await expect(readKubeconfigFile({ fs: fsp }, file)).rejects.toThrow(/holds 2 YAML documents/);
  });

  it('never quotes a value of a user (a token, a password) in an error, nor the lines around it', () => {
    const numeric = 'users:\n- name: ci\n  user:\n    token: 80412761199021345\n';
    expect(() => parseKubeconfig(numeric, 'k')).toThrow(/an integer of 17 digits is too large/);
    expect(() => parseKubeconfig(numeric, 'k')).not.toThrow(/80412761199021345/);
    const password = 'users:\n- name: ci\n  user:\n    username: u\n    password: 8041276119902\n';
    expect(() => parseKubeconfig(password, 'k')).toThrow('error loading config file "k": users[0].user.password: expected string, found the number (YAML 1.1');
    const broken = 'users:\n- name: ci\n  user:\n    token: abcdef.0123456789abcdef\n    username: admin: x\n';
    let error: unknown;
    try {
      parseKubeconfig(broken, 'k');
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'ERR_KUBECONFIG_MALFORMED' });
    // --debug prints the cause chain: there is none holding js-yaml's snippet.
    expect(JSON.stringify({ message: (error as Error).message, cause: String((error as Error).cause), stack: (error as Error).stack })).not.toContain('0123456789abcdef');
  });

  it('says what YAML 1.1 made of an unquoted word', () => {
    expect(() => parseKubeconfig(context('namespace: on'), 'k')).toThrow(
      'error loading config file "k": contexts[0].context.namespace: expected string, found the boolean true (YAML 1.1, as kubectl reads it; quote the value to keep it a string)',
    );
  });
});
