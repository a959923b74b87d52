// The examples in examples/ parse and say what the README says they do.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { load, loadAll } from 'js-yaml';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../support/run-cli.js';

const read = (name: string): string => readFileSync(join(repoRoot, 'examples', name), 'utf8');

interface K8sObject {
  readonly kind: string;
  readonly metadata: { readonly name: string };
  readonly rules?: readonly { readonly resources: readonly string[]; readonly verbs: readonly string[] }[];
  readonly spec?: { readonly template: { readonly spec: { readonly serviceAccountName: string; readonly containers: readonly { readonly args: readonly string[] }[] } } };
}

describe('examples/job.yaml', () => {
  const objects = loadAll(read('job.yaml')) as K8sObject[];

  it('holds a ServiceAccount, a Role, a RoleBinding and a Job', () => {
    expect(objects.map((object) => object.kind)).toEqual(['ServiceAccount', 'Role', 'RoleBinding', 'Job']);
  });

  it('grants only get and list on pods', () => {
    const role = objects.find((object) => object.kind === 'Role');
    expect(role?.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]);
  });

  it('runs init --probe as the service account', () => {
    const job = objects.find((object) => object.kind === 'Job');
    const podSpec = job?.spec?.template.spec;
    expect(podSpec?.serviceAccountName).toBe('sa-kubeconfig-check');
    expect(podSpec?.containers[0]?.args).toEqual(expect.arrayContaining(['init', '--probe']));
  });
});

describe('examples/github-actions.yml', () => {
  const text = read('github-actions.yml');

  it('is the workflow the README shows, word for word', () => {
    const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('### Copy-paste: GitHub Actions'));
    const block = /```yaml\n([\s\S]*?)\n```/.exec(section)?.[1];
    expect(`${block}\n`).toBe(text);
  });
  const workflow = load(text) as { jobs: Record<string, { steps: { run?: string }[] }> };
  const script = Object.values(workflow.jobs)
    .flatMap((job) => job.steps)
    .map((step) => step.run ?? '')
    .join('\n');

  it('mints the kubeconfig with from-serviceaccount into $RUNNER_TEMP and exports it via $GITHUB_ENV', () => {
    expect(script).toContain('from-serviceaccount');
    expect(script).toMatch(/--kubeconfig "\$RUNNER_TEMP\/[^"]+"/);
    expect(script).toMatch(/KUBECONFIG=\$RUNNER_TEMP\/[^ ]+" >> "\$GITHUB_ENV"/);
  });

  it('masks the token', () => {
    expect(script).toContain('::add-mask::');
  });
});

describe('examples/Dockerfile', () => {
  it('builds the single-file CLI with the script that exists in this repository', () => {
    const dockerfile = read('Dockerfile');
    expect(dockerfile).toContain('scripts/bundle-single.mjs');
    expect(readFileSync(join(repoRoot, 'scripts', 'bundle-single.mjs'), 'utf8')).toContain('export async function bundleSingle');
  });
});
