// init as a user that may not read the mount or write the kubeconfig's directory: a container
// whose runAsUser is not the one the kubelet made the token for, and a read-only or foreign home
// (readOnlyRootFilesystem with HOME=/). Root reads and writes everything, so the CLI runs here as
// uid 65534 (setpriv, util-linux) when the tests run as root, as CI does; skipped otherwise, or
// where that user cannot reach the built CLI.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makeMount, tempDir } from '../support/mount.js';
import { cliPath, runCli } from '../support/run-cli.js';

const NOBODY = 65534;
const asNobody = ['setpriv', `--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, cliPath];
const canRun = process.getuid?.() === 0 && spawnSync(asNobody[0] as string, [...asNobody.slice(1), '--version'], { encoding: 'utf8' }).status === 0;
const server = 'https://10.96.0.1:443';

/** A mount and a home that uid 65534 can reach (mkdtemp makes 0700 directories). */
async function setup(): Promise<{ readonly dir: string; readonly sa: string; readonly home: string }> {
  const dir = tempDir();
  chmodSync(dir, 0o755);
  const mount = await makeMount(dir);
  const home = join(dir, 'home');
  mkdirSync(home, { mode: 0o755 });
  return { dir, sa: mount.dir, home };
}

describe.skipIf(!canRun)('init as another user (uid 65534)', () => {
  it('cannot read a token made for another uid: exit 3, and the hint names its owner and mode and the way out', async () => {
    const { sa, home } = await setup();
    // As the kubelet writes it when every container sets the same runAsUser and there is no fsGroup.
    chmodSync(join(sa, '..data', 'token'), 0o600);
    const run = await runCli(['init', '--sa-dir', sa, '--server', server], { command: asNobody, env: { HOME: home } });
    expect(run).toMatchObject({ code: 3, stdout: '' });
    expect(run.stderr).toBe(
      `error: cannot read service-account token ${join(sa, 'token')}: permission denied\n` +
        `hint: it is mode 0600, owned by uid 0 and gid 0, and this process runs as uid ${NOBODY}: run as uid 0 (securityContext.runAsUser), or give the pod a securityContext.fsGroup so that the mount is readable by that group\n`,
    );
    expect(readdirSync(home)).toEqual([]);
  });

  it('cannot write ~/.kube in a home it does not own: exit 3, nothing written, and the hint says to write elsewhere', async () => {
    const { sa, dir } = await setup();
    const home = join(dir, 'root-home');
    mkdirSync(home, { mode: 0o755 });
    const run = await runCli(['init', '--sa-dir', sa, '--server', server], { command: asNobody, env: { HOME: home } });
    expect(run).toMatchObject({ code: 3, stdout: '' });
    expect(run.stderr).toBe(
      `error: cannot create directory ${join(home, '.kube')}: permission denied\n` +
        'hint: that directory is not writable for this user (for kubectl too): pass --kubeconfig FILE in a writable directory (an emptyDir, /tmp), and point KUBECONFIG at it for kubectl\n',
    );
    expect(readdirSync(home)).toEqual([]);
  });

  it('cannot take the lock beside a kubeconfig in a directory it may not write: exit 3, the file unchanged', async () => {
    const { sa, dir } = await setup();
    const kube = join(dir, 'kube');
    mkdirSync(kube, { mode: 0o755 });
    const file = join(kube, 'config');
    writeFileSync(file, 'apiVersion: v1\nkind: Config\n', { mode: 0o666 });
    const run = await runCli(['init', '--sa-dir', sa, '--server', server, '--kubeconfig', file], { command: asNobody });
    expect(run).toMatchObject({ code: 3, stdout: '' });
    expect(run.stderr).toMatch(new RegExp(`^error: cannot create lock ${file}\\.lock: permission denied\nhint: that directory is not writable for this user \\(for kubectl too\\): pass --kubeconfig FILE`));
    expect(readdirSync(kube)).toEqual(['config']);
  });

  it('writes where it may: the same init with --kubeconfig in its own directory exits 0', async () => {
    const { sa, dir } = await setup();
    const own = join(dir, 'own');
    mkdirSync(own);
    chmodSync(own, 0o777);
    const run = await runCli(['init', '--sa-dir', sa, '--server', server, '--kubeconfig', join(own, 'config')], { command: asNobody });
    expect(run.code, run.stderr).toBe(0);
    expect(readdirSync(own)).toEqual(['config']);
  });
});
