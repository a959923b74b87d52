// The hardening suites start hundreds of CLI processes over many seconds. They run a private copy
// of the built dist/ (taken once per test file), so that a rebuild in the working tree meanwhile
// (`npm run build` empties dist/ first) cannot turn into a spurious failure half-way through a loop.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../dist/', import.meta.url));

let copy: string | undefined;

/** Path of cli.js in a private copy of dist/ (an ES module, like bin/sa-kubeconfig.js imports it). */
export async function builtCliCopy(): Promise<string> {
  if (copy !== undefined) return copy;
  for (let attempt = 0; ; attempt += 1) {
    try {
      const dir = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-dist-'));
      cpSync(dist, join(dir, 'dist'), { recursive: true });
      writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
      const cli = join(dir, 'dist', 'cli.js');
      if (!existsSync(cli)) throw new Error(`no ${cli}`);
      // A copy taken mid-build may lack a chunk: `init --help` loads the init path.
      execFileSync(process.execPath, [cli, 'init', '--help'], { stdio: 'ignore', timeout: 10_000 });
      copy = cli;
      return cli;
    } catch (error) {
      // dist/ is being rebuilt right now: try again shortly; give up after ~10 s.
      if (attempt >= 50) throw new Error('dist/cli.js is missing: run `npm run build` first', { cause: error });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}

/** The runCli `command` option for the copy, optionally with extra node flags. */
export async function cliCommand(nodeFlags: readonly string[] = []): Promise<readonly string[]> {
  return [process.execPath, ...nodeFlags, await builtCliCopy()];
}
