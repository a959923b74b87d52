// The hardening suites start hundreds of CLI processes over many seconds. They run a private copy
// of the built CLI (bin/ and dist/, taken once per test file), so that a rebuild in the working tree meanwhile
// (`npm run build` empties dist/ first) cannot turn into a spurious failure half-way through a loop.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));

let copy: string | undefined;

/** Path of bin/sa-kubeconfig.js in a private copy of bin/ and dist/. */
export async function builtCliCopy(): Promise<string> {
  if (copy !== undefined) return copy;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const dir = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-dist-'));
      process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
      cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
      cpSync(join(root, 'bin'), join(dir, 'bin'), { recursive: true });
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
      const cli = join(dir, 'bin', 'sa-kubeconfig.js');
      if (!existsSync(cli)) throw new Error(`no ${cli}`);
      // A copy taken mid-build may lack a chunk: `init --help` loads the init path.
      execFileSync(process.execPath, [cli, 'init', '--help'], { stdio: 'ignore', timeout: 10_000 });
      copy = cli;
      return cli;
    } catch (error) {
      // dist/ is being rebuilt right now: try again shortly; give up after ~10 s.
      if (attempt >= 50) throw new Error('the built CLI does not run: run `npm run build` first', { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** The runCli `command` option for the copy, optionally with extra node flags. */
export async function cliCommand(nodeFlags: readonly string[] = []): Promise<readonly string[]> {
  return [process.execPath, ...nodeFlags, await builtCliCopy()];
}
