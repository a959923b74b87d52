// ^C while kubectl runs: kubectl leads its own process group (so a timeout can kill what it
// started), which keeps the terminal's ^C from reaching it; we must kill it ourselves.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../support/mount.js';
import { baseEnv, cliPath } from '../support/run-cli.js';

function running(pid: number): boolean {
  try {
    const state = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '')[0];
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

describe('interrupting sa-kubeconfig', () => {
  it('kills a running kubectl on SIGINT and dies by the signal', async () => {
    const dir = tempDir();
    const pidFile = join(dir, 'kubectl.pid');
    const kubectl = join(dir, 'kubectl');
    writeFileSync(kubectl, `#!/bin/sh\necho $$ > ${pidFile}\nexec sleep 30\n`);
    chmodSync(kubectl, 0o755);
    const child = spawn(process.execPath, [cliPath, 'from-secret', 'x', '-n', 'team-a', '--kubectl', kubectl, '--kubeconfig', join(dir, 'out')], { env: baseEnv(), stdio: 'ignore' });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, signal) => resolve({ code, signal })));
    for (let i = 0; i < 100 && !existsSync(pidFile); i += 1) await new Promise((resolve) => setTimeout(resolve, 50));
    const kubectlPid = Number(readFileSync(pidFile, 'utf8'));
    expect(running(kubectlPid)).toBe(true);
    child.kill('SIGINT');
    expect(await exited).toEqual({ code: null, signal: 'SIGINT' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(running(kubectlPid)).toBe(false);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });
});
