// The CLI's surface: help with examples everywhere, suggestions for typos, usage errors exit 2.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { repoRoot, runCli } from '../support/run-cli.js';

const packageVersion = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version;

/** The command names listed under "Commands:" in the root help (so new commands are covered automatically). */
function listedCommands(help: string): string[] {
  const section = help.split(/^Commands:$/m)[1] ?? '';
  return section
    .split('\n')
    .map((line) => /^ {2}([a-z][a-z-]*)\b/.exec(line)?.[1])
    .filter((name): name is string => name !== undefined && name !== 'help');
}

describe('help', () => {
  let rootHelp: string;

  beforeAll(async () => {
    const result = await runCli(['--help']);
    expect(result.code).toBe(0);
    rootHelp = result.stdout;
  });

  it('shows usage, the commands, examples and the exit codes', () => {
    expect(rootHelp).toContain('Usage: sa-kubeconfig');
    expect(rootHelp).toMatch(/^Examples:$/m);
    expect(rootHelp).toContain('Exit status');
    expect(listedCommands(rootHelp)).toEqual(expect.arrayContaining(['init', 'completion']));
  });

  it('does not list the hidden __complete command', () => {
    expect(rootHelp).not.toContain('__complete');
  });

  it('shows an Examples: section for every command, exit 0', async () => {
    const commands = listedCommands(rootHelp);
    const results = await Promise.all(commands.map(async (command) => ({ command, result: await runCli([command, '--help']) })));
    for (const { command, result } of results) {
      expect({ command, code: result.code, stderr: result.stderr }).toEqual({ command, code: 0, stderr: '' });
      // A placeholder says so in its description and fails when run; it gets examples when it lands.
      if (result.stdout.includes('(not implemented yet)')) continue;
      expect({ command, hasExamples: /^Examples:$/m.test(result.stdout) }).toEqual({ command, hasExamples: true });
    }
    expect(commands).toEqual(expect.arrayContaining(['init', 'completion']));
  });

  // program.ts builds only the command named on the command line; a root --help before it must still list every command.
  it.each([[['--help', 'init']], [['-h', 'probe']], [['--debug', '--help', 'from-secret']]])('%j is the root help, with every command', async (args) => {
    const result = await runCli(args);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(rootHelp);
  });

  it('probe --help gives the --sa-dir and --server defaults of --in-cluster', async () => {
    const help = (await runCli(['probe', '--help'])).stdout.replace(/\s+/g, ' ');
    expect(help).toMatch(/--sa-dir <dir> service-account mount for --in-cluster \(default \/var\/run\/secrets\/kubernetes\.io\/serviceaccount\)/);
    expect(help).toContain('(default https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT, else https://kubernetes.default.svc)');
  });

  it.each([[['help']], [['help', 'init']]])('%j exits 0', async (args) => {
    expect((await runCli(args)).code).toBe(0);
  });
});

describe('version', () => {
  it.each([['--version'], ['-V']])('%s prints the package version', async (flag) => {
    expect(await runCli([flag])).toMatchObject({ code: 0, stdout: `${packageVersion}\n`, stderr: '' });
  });
});

describe('usage errors', () => {
  it.each([
    ['int', 'init'],
    ['from-secrets', 'from-secret'],
    ['complection', 'completion'],
  ])('unknown command %s suggests %s and exits 2', async (typo, suggestion) => {
    const result = await runCli([typo]);
    expect(result.code).toBe(2);
    // One error line and one hint line, as every other error (commander's own layout is three lines).
    expect(result.stderr).toBe(`error: unknown command '${typo}'\nhint: did you mean ${suggestion}? (run sa-kubeconfig --help for usage)\n`);
    expect(result.stdout).toBe('');
  });

  it.each([
    [['--bogus']],
    [['init', '--bogus']],
    [['init', '--sa-dri', '/tmp']],
    [['completion', 'powershell']],
    [['completion']],
  ])('%j exits 2 with a message and no stack trace', async (args) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^error: [^\n]+\nhint: [^\n]+\n$/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  it('escapes a control character that commander quotes from the command line', async () => {
    const result = await runCli(['init', '-o', 'red\u001b[2J']);
    expect(result.code).toBe(2);
    expect(result.stderr).not.toContain('\u001b');
    expect(result.stderr).toContain('red\\x1b[2J');
  });

  it('without a command prints the help on stderr and exits 2 (a usage error; `help` exits 0)', async () => {
    const result = await runCli([]);
    expect(result).toMatchObject({ code: 2, stdout: '' });
    expect(result.stderr).toContain('Usage: sa-kubeconfig');
  });

  it.each([['Bad_NS'], ['a.b']])('probe -n %j is a bad flag value (exit 2, one line), as for init and from-*', async (namespace) => {
    const result = await runCli(['probe', '-n', namespace, '--kubeconfig', '/nonexistent/kubeconfig']);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr).toBe(`error: namespace "${namespace}" from --namespace is not a valid DNS label\n`);
  });

  it.each([
    [['help', 'bogus'], 'bogus', undefined],
    [['help', 'int'], 'int', 'init'],
    [['--debug', 'help', 'bogus'], 'bogus', undefined],
  ])('%j is an unknown command (exit 2), not the root help', async (args, name, suggestion) => {
    const result = await runCli(args);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')[0]).toBe(`error: unknown command '${name}'`);
    if (suggestion !== undefined) expect(result.stderr).toContain(`did you mean ${suggestion}?`);
  });

  it('suggests the nearest flag for a misspelt one', async () => {
    const result = await runCli(['init', '--sa-dri', '/tmp']);
    expect(result.stderr).toBe("error: unknown option '--sa-dri'\nhint: did you mean --sa-dir? (run sa-kubeconfig init --help for usage)\n");
  });
});
