import { describe, expect, it } from 'vitest';
import { upsertEntries } from '../../../src/kubeconfig/merge.js';
import { buildServiceAccountEntries, defaultEntryNames } from '../../../src/kubeconfig/entry.js';
import type { Kubeconfig } from '../../../src/kubeconfig/schema.js';

const entries = buildServiceAccountEntries({
  names: { cluster: 'c', user: 'u', context: 'x' },
  server: 'https://new:6443',
  namespace: 'team-a',
  ca: { kind: 'file', path: '/sa/ca.crt' },
  credential: { kind: 'tokenFile', path: '/sa/token' },
});

const existing: Kubeconfig = {
  clusters: [
    { name: 'other', cluster: { server: 'https://other' } },
    { name: 'c', cluster: { server: 'https://old', 'certificate-authority-data': 'T0xE', 'insecure-skip-tls-verify': false, 'proxy-url': 'http://proxy:3128', 'tls-server-name': 'old', extensions: [{ name: 'e', extension: { a: 1 } }], 'x-keep': true } },
  ],
  users: [{ name: 'u', user: { token: 'old-token', exec: { command: 'x' }, extensions: [{ name: 'e', extension: 2 }], 'x-keep': 'yes' } }],
  contexts: [{ name: 'x', context: { cluster: 'old', user: 'old', namespace: 'old', extensions: [{ name: 'e' }] } }],
  'current-context': 'other',
  'x-top': 1,
};

describe('upsertEntries', () => {
  it('adds entries and reports them created', () => {
    const { config, changes } = upsertEntries({}, { ...entries, currentContext: 'x' });
    expect(config.clusters).toEqual([entries.cluster]);
    expect(config['current-context']).toBe('x');
    expect(changes.map((c) => `${c.stanza}:${c.kind}`)).toEqual(['cluster:created', 'user:created', 'context:created', 'current-context:created']);
  });

  it('replaces how to reach and trust the server, keeps proxy-url, extensions and unknown fields', () => {
    const { config } = upsertEntries(existing, entries);
    const cluster = config.clusters?.find((c) => c.name === 'c')?.cluster;
    expect(cluster).toEqual({ server: 'https://new:6443', 'certificate-authority': '/sa/ca.crt', 'proxy-url': 'http://proxy:3128', extensions: [{ name: 'e', extension: { a: 1 } }], 'x-keep': true });
  });

  it('says which fields an updated entry had that are now different or gone (a removed false is no change)', () => {
    const { changes } = upsertEntries(existing, entries);
    expect(changes.find((c) => c.stanza === 'cluster')).toEqual({ stanza: 'cluster', name: 'c', kind: 'updated', replaced: ['certificate-authority-data', 'server', 'tls-server-name'] });
    expect(changes.find((c) => c.stanza === 'user')).toEqual({ stanza: 'user', name: 'u', kind: 'updated', replaced: ['exec', 'token'] });
    const insecure: Kubeconfig = { clusters: [{ name: 'c', cluster: { server: 'https://new:6443', 'insecure-skip-tls-verify': true } }] };
    expect(upsertEntries(insecure, entries).changes[0]).toEqual({ stanza: 'cluster', name: 'c', kind: 'updated', replaced: ['insecure-skip-tls-verify'] });
    // Created and unchanged entries have nothing replaced.
    const again = upsertEntries(upsertEntries({}, entries).config, entries).changes;
    expect(again.every((c) => c.replaced === undefined)).toBe(true);
  });

  it('replaces every credential of a same-named user (an old token or exec would otherwise win) and keeps the rest', () => {
    const { config } = upsertEntries(existing, entries);
    expect(config.users?.[0]).toEqual({ name: 'u', user: { tokenFile: '/sa/token', 'token-file': '/sa/token', extensions: [{ name: 'e', extension: 2 }], 'x-keep': 'yes' } });
  });

  it('rewires the context and keeps its extensions', () => {
    const { config } = upsertEntries(existing, entries);
    expect(config.contexts?.[0]).toEqual({ name: 'x', context: { cluster: 'c', user: 'u', namespace: 'team-a', extensions: [{ name: 'e' }] } });
  });

  it('leaves every other entry and top-level field alone, and current-context unless asked', () => {
    const { config } = upsertEntries(existing, entries);
    expect(config.clusters?.[0]).toBe(existing.clusters?.[0]);
    expect(config['current-context']).toBe('other');
    expect(config['x-top']).toBe(1);
  });

  it('is idempotent: a second upsert changes nothing', () => {
    const once = upsertEntries(existing, { ...entries, currentContext: 'x' }).config;
    const twice = upsertEntries(once, { ...entries, currentContext: 'x' });
    expect(twice.changes.every((c) => c.kind === 'unchanged')).toBe(true);
    expect(twice.config).toEqual(once);
  });

  it('does not mutate its input', () => {
    const snapshot = JSON.stringify(existing);
    upsertEntries(existing, { ...entries, currentContext: 'x' });
    expect(JSON.stringify(existing)).toBe(snapshot);
  });
});

describe('defaultEntryNames', () => {
  it.each([
    ['https://kubernetes.default.svc', 'team-a', 'deployer', 'kubernetes.default.svc', 'team-a/deployer@kubernetes.default.svc'],
    ['https://10.96.0.1:443', 'ns', 'sa', '10.96.0.1', 'ns/sa@10.96.0.1'],
    ['https://[fd00::1]:6443', 'ns', 'sa', '[fd00::1]:6443', 'ns/sa@[fd00::1]:6443'],
    ['https://api.example.com:6443/prefix/', 'ns', 'sa', 'api.example.com:6443/prefix', 'ns/sa@api.example.com:6443/prefix'],
  ])('names %s / %s / %s', (server, namespace, serviceAccount, cluster, identity) => {
    expect(defaultEntryNames({ server, namespace, serviceAccount })).toEqual({ cluster, user: identity, context: identity });
  });

  it('gives two accounts on one cluster different users and contexts', () => {
    const a = defaultEntryNames({ server: 'https://k', namespace: 'a-b', serviceAccount: 'c' });
    const b = defaultEntryNames({ server: 'https://k', namespace: 'a', serviceAccount: 'b-c' });
    expect(a.user).not.toBe(b.user);
    expect(a.context).not.toBe(b.context);
  });
});
