// bin/sa-kubeconfig.js runs dist/cli.cjs with V8's code cache only when the cache was made for
// exactly that bundle and Node; a stale, damaged or missing cache must never change behaviour.
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../support/run-cli.js';

const copies: string[] = [];
afterAll(() => {
  for (const dir of copies) rmSync(dir, { recursive: true, force: true });
});

/** A private copy of bin/ and dist/, with the cache changed by `damage`. */
function copyWith(damage: (cacheFile: string, bundle: string) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'sa-kubeconfig-code-cache-'));
  copies.push(dir);
  cpSync(join(repoRoot, 'bin'), join(dir, 'bin'), { recursive: true });
  cpSync(join(repoRoot, 'dist'), join(dir, 'dist'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}\n');
  damage(join(dir, 'dist', 'cli.cache'), join(dir, 'dist', 'cli.cjs'));
  return join(dir, 'bin', 'sa-kubeconfig.js');
}

describe('the code cache', () => {
  it('is built with the bundle and starts with sha256(bundle + node version)', async () => {
    const { createHash } = await import('node:crypto');
    const cache = readFileSync(join(repoRoot, 'dist', 'cli.cache'));
    const digest = createHash('sha256').update(readFileSync(join(repoRoot, 'dist', 'cli.cjs'), 'utf8')).update(process.version).digest();
    expect(cache.subarray(0, 32).equals(digest)).toBe(true);
    expect(cache.length).toBeGreaterThan(10_000);
  });

  it.each<[string, (cache: string, bundle: string) => void]>([
    ['valid', () => undefined],
    ['missing', (cache) => rmSync(cache)],
    ['made for another bundle', (cache) => writeFileSync(cache, Buffer.concat([Buffer.alloc(32, 7), readFileSync(cache).subarray(32)]))],
    ['damaged after the digest', (cache) => writeFileSync(cache, Buffer.concat([readFileSync(cache).subarray(0, 32), Buffer.from('not a code cache')]))],
    ['for a bundle that changed since', (_cache, bundle) => writeFileSync(bundle, `${readFileSync(bundle, 'utf8')}\n// changed\n`)],
  ])('leaves behaviour unchanged when it is %s', async (_name, damage) => {
    const cli = copyWith(damage);
    const version = await runCli(['--version'], { command: [process.execPath, cli] });
    expect(version).toMatchObject({ code: 0, stderr: '' });
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const usage = await runCli(['init', '--server', 'not a url', '--sa-dir', '/nonexistent'], { command: [process.execPath, cli] });
    expect(usage.code).toBe(3);
    expect(usage.stderr).toMatch(/^error: no service-account mount at \/nonexistent/);
  });
});
