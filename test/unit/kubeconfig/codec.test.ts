import { describe, expect, it } from 'vitest';
import { parseKubeconfig, stringifyKubeconfig, VALUE_QUOTING_REASONS } from '../../../src/kubeconfig/codec.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { CliError } from '../../../src/errors.js';

const sample = `
apiVersion: v1
kind: Config
clusters:
- name: prod
  cluster:
    server: https://prod.example:6443
    certificate-authority-data: QUJD
    proxy-url: http://proxy:3128
    x-unknown-cluster-field: keep-me
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {audience: foo}
users:
- name: admin
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: gke-gcloud-auth-plugin
      interactiveMode: IfAvailable
      provideClusterInfo: true
      x-future: 1
contexts:
- name: prod
  context: {cluster: prod, user: admin, namespace: web}
current-context: prod
preferences: {}
x-top-level: {a: [1, 2]}
`;

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof CliError ? error.code : 'not-a-cli-error';
  }
  return undefined;
}

describe('parseKubeconfig', () => {
  it('knows every reason of the installed js-yaml loader that quotes text of the document', () => {
    // An upgrade of js-yaml that adds one fails here, not in a user's terminal.
    const loader = readFileSync(createRequire(import.meta.url).resolve('js-yaml').replace(/dist[\\/]js-yaml\.js$|index\.js$/, 'lib/loader.js'), 'utf8');
    const quoting = [...loader.matchAll(/throwError\(state, (['"])((?:(?!\1).)*)\1 \+/g)].map((match) => match[2] ?? '');
    expect(quoting.length).toBeGreaterThanOrEqual(9);
    const counters = new Set(['merge keys exceeded maxTotalMergeKeys (', 'nesting exceeded maxDepth (', 'unacceptable node kind for !<?> tag; it should be "scalar", not "']);
    for (const prefix of quoting) {
      if (counters.has(prefix)) continue; // a number or a node kind, never the document's text
      expect(VALUE_QUOTING_REASONS.test(prefix), prefix).toBe(true);
    }
  });

  it.each([
    ['an alias', 'users:\n- name: u\n  user:\n    token: *SuperSecretToken123\n', /^error loading config file "f": yaml: unidentified alias \(a value that starts with "\*" is read as a YAML alias: quote it; the name is not shown, it may be a secret\) \(line 4\)$/],
    ['a tag', 'users:\n- name: u\n  user:\n    password: !SuperSecretToken123 rest\n', /^error loading config file "f": yaml: unknown tag \(a value that starts with "!" is read as a YAML tag: quote it; the tag is not shown, it may be a secret\) \(line 4\)$/],
    ['an undeclared tag handle', 'users:\n- name: u\n  user:\n    password: !Super!SecretC3\n', /yaml: undeclared tag handle \(a value that starts with "!" is read as a YAML tag: quote it; the tag is not shown, it may be a secret\) \(line 4\)$/],
    ['a tag with characters a tag may not have', 'users:\n- name: u\n  user:\n    password: !SuperSecret^D4\n', /yaml: tag name cannot contain such characters \(a value that starts with "!"/],
    ['a malformed tag', 'users:\n- name: u\n  user:\n    password: !SuperSecret%E0%A4E5\n', /yaml: tag name is malformed \(a value that starts with "!"/],
    ['a tag on a mapping', 'users:\n- name: u\n  user: !SuperSecretMap\n    token: x\n', /yaml: unknown tag \(a value that starts with "!"/],
  ])('never quotes an unquoted secret that YAML takes for %s', (_name, text, message) => {
    let thrown: unknown;
    try {
      parseKubeconfig(text, 'f');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(CliError);
    expect((thrown as CliError).message).toMatch(message);
    expect(JSON.stringify({ ...(thrown as CliError), message: (thrown as CliError).message, hint: (thrown as CliError).hint })).not.toContain('SuperSecret');
  });

  it('keeps unknown fields, exec blocks and extensions through parse and stringify', () => {
    const once = parseKubeconfig(sample, 'sample');
    const twice = parseKubeconfig(stringifyKubeconfig(once), 'again');
    expect(twice).toEqual(once);
    expect(twice.clusters?.[0]?.cluster?.['x-unknown-cluster-field']).toBe('keep-me');
    expect(twice.users?.[0]?.user?.exec?.['x-future']).toBe(1);
    expect(twice['x-top-level']).toEqual({ a: [1, 2] });
  });

  it.each([
    ['empty text', ''],
    ['whitespace only', '  \n\n'],
    ['only a comment', '# nothing here\n'],
    ['a byte-order mark then nothing', '\uFEFF'],
  ])('reads %s as an empty config, as client-go does', (_name, text) => {
    expect(parseKubeconfig(text, 'f')).toEqual({});
  });

  it('accepts a byte-order mark and CRLF line ends', () => {
    const text = `\uFEFF${sample.replace(/\n/g, '\r\n')}`;
    expect(parseKubeconfig(text, 'crlf').contexts?.[0]?.name).toBe('prod');
  });

  it.each([
    ['invalid YAML', 'clusters: [\n'],
    ['a list at the top', '- a\n- b\n'],
    ['a scalar at the top', 'hello\n'],
    ['server of the wrong type', 'clusters:\n- name: a\n  cluster: {server: 12}\n'],
    ['a name that is not a string', 'users:\n- name: {x: 1}\n  user: {}\n'],
    ['clusters that is a mapping', 'clusters: {a: 1}\n'],
    ['duplicate cluster names', 'clusters:\n- name: a\n  cluster: {server: https://a}\n- name: a\n  cluster: {server: https://b}\n'],
    ['duplicate context names', 'contexts:\n- name: c\n  context: {}\n- name: c\n  context: {}\n'],
    ['insecure flag of the wrong type', 'clusters:\n- name: a\n  cluster: {insecure-skip-tls-verify: "yes please"}\n'],
  ])('rejects %s as malformed', (_name, text) => {
    expect(codeOf(() => parseKubeconfig(text, 'bad'))).toBe('ERR_KUBECONFIG_MALFORMED');
  });

  it('rejects an alias bomb without expanding it', () => {
    const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 12; i += 1) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
    lines.push('preferences: {extensions: [{name: bomb, extension: *a11}]}');
    expect(codeOf(() => parseKubeconfig(lines.join('\n'), 'bomb'))).toBe('ERR_KUBECONFIG_MALFORMED');
  });

  it('names the file and the field in the message', () => {
    try {
      parseKubeconfig('clusters:\n- name: a\n  cluster: {server: 12}\n', '/tmp/x/config');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).toContain('/tmp/x/config');
      expect((error as Error).message).toContain('clusters[0].cluster.server');
    }
  });
});

describe('stringifyKubeconfig', () => {
  it('sorts named lists and keys like client-go and always writes current-context', () => {
    const text = stringifyKubeconfig({ clusters: [{ name: 'b', cluster: { server: 'https://b' } }, { name: 'a', cluster: { server: 'https://a' } }] });
    expect(text.indexOf('name: a')).toBeLessThan(text.indexOf('name: b'));
    expect(text).toContain('current-context: ""');
    expect(text).toMatch(/^apiVersion: v1$/m);
    expect(text.indexOf('clusters:')).toBeLessThan(text.indexOf('contexts:'));
  });

  it('never folds a long base64 value onto several lines', () => {
    const data = 'A'.repeat(5000);
    const text = stringifyKubeconfig({ clusters: [{ name: 'a', cluster: { server: 'https://a', 'certificate-authority-data': data } }] });
    expect(text).toContain(`certificate-authority-data: ${data}\n`);
  });

  it.each(['yes', 'no', 'on', 'off', 'null', '~', '123', '0x1F', 'a: b', '- x', '#hash', 'système:ünïcode', 'with "quotes"', ''])(
    'round-trips the name %j that needs quoting in YAML',
    (name) => {
      const config = { contexts: [{ name, context: { cluster: name, user: name } }], 'current-context': name };
      expect(parseKubeconfig(stringifyKubeconfig(config), 'rt').contexts?.[0]).toEqual(config.contexts[0]);
    },
  );
});

describe('values kubectl keeps as written', () => {
  it('reads a date-like name and extension value as strings and writes them back quoted', () => {
    const text = 'contexts:\n- name: 2026-01-01\n  context: {cluster: c, user: u, extensions: [{name: e, extension: {created: 2026-01-01}}]}\n';
    const config = parseKubeconfig(text, 'dates');
    expect(config.contexts?.[0]?.name).toBe('2026-01-01');
    expect(config.contexts?.[0]?.context?.extensions?.[0]?.extension).toEqual({ created: '2026-01-01' });
    const again = parseKubeconfig(stringifyKubeconfig(config), 'again');
    expect(again.contexts).toEqual(config.contexts);
    expect(stringifyKubeconfig(config)).toContain('name: "2026-01-01"');
  });

  it('still honours YAML merge keys, as go-yaml does', () => {
    const text = 'x-base: &base {server: https://a}\nclusters:\n- name: c\n  cluster: {<<: *base, proxy-url: http://p}\n';
    expect(parseKubeconfig(text, 'merge').clusters?.[0]?.cluster).toEqual({ server: 'https://a', 'proxy-url': 'http://p' });
  });
});
