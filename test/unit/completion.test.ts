import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Argument, Command, Option } from 'commander';
import { afterAll, describe, expect, it } from 'vitest';
import { describeProgram } from '../../src/commands/completion.js';
import { renderBashCompletion } from '../../src/completion/bash.js';
import { renderCompletionScript } from '../../src/completion/render.js';
import { valueKindFor, type CompletionSpec } from '../../src/completion/spec.js';

// A program shaped like ours, built here so these tests do not depend on other commands' flags.
function sampleProgram(): Command {
  const program = new Command('sa-kubeconfig').version('0.0.0', '-V, --version').option('--debug', 'print the cause chain');
  program.addCommand(
    new Command('init')
      .description("write a kubeconfig: it's [fast]")
      .option('--sa-dir <dir>', 'the service-account mount')
      .option('--kubeconfig <file>', 'the kubeconfig to write')
      .option('--context <name>', 'the context name')
      .option('--server <url>', 'the API server')
      .option('--no-set-current', 'leave current-context alone')
      .addOption(new Option('-o, --output <format>', 'output format').choices(['text', 'json'])),
  );
  program.addCommand(new Command('probe').description('check a context').argument('[context]', 'the context').option('--kubeconfig <file>', 'the kubeconfig'));
  program.addCommand(new Command('completion').description('print a script').addArgument(new Argument('<shell>').choices(['bash', 'zsh', 'fish'])));
  program.addCommand(new Command('secret-thing').description('hidden'), { hidden: true });
  return program;
}

const tempDirs: string[] = [];
afterAll(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

/** A temp dir with the script and a fake `sa-kubeconfig` that answers `__complete contexts`. */
function scriptDir(script: string, fileName: string): { dir: string; path: string; env: Record<string, string> } {
  const dir = mkdtempSync(join(tmpdir(), 'sa-completion-'));
  tempDirs.push(dir);
  const path = join(dir, fileName);
  writeFileSync(path, script);
  const fake = join(dir, 'sa-kubeconfig');
  // Echoes its argv on stderr-free stdout as context names, so the test also sees --kubeconfig forwarding.
  writeFileSync(
    fake,
    '#!/bin/sh\nif [ "$1 $2" = "__complete contexts" ]; then shift 2; echo "ns/sa@host:6443"; echo "prod"; echo "prod-eu"; [ $# -gt 0 ] && echo "from:$2"; fi\n',
  );
  chmodSync(fake, 0o755);
  return { dir, path, env: { PATH: `${dir}:/usr/bin:/bin`, HOME: dir } };
}

function hasShell(name: string): boolean {
  return spawnSync(name, ['-c', 'exit 0']).status === 0;
}

describe('valueKindFor', () => {
  it.each([
    ['--context', true, undefined, { kind: 'context', kubeconfigFlag: '--kubeconfig' }],
    // from-*'s --source-context names a context of --source-kubeconfig, never of the destination --kubeconfig.
    ['--source-context', true, undefined, { kind: 'context', kubeconfigFlag: '--source-kubeconfig' }],
    ['context', true, undefined, { kind: 'context', kubeconfigFlag: '--kubeconfig' }],
    ['--kubeconfig', true, undefined, { kind: 'file' }],
    ['--token-file', true, undefined, { kind: 'file' }],
    ['--sa-dir', true, undefined, { kind: 'directory' }],
    ['--server', true, undefined, { kind: 'any' }],
    ['--output', true, ['text', 'json'], { kind: 'choices', choices: ['text', 'json'] }],
    ['--embed', false, undefined, { kind: 'none' }],
  ] as const)('completes %s (takes value: %s) as %j', (name, takesValue, choices, expected) => {
    expect(valueKindFor(name, takesValue, choices)).toEqual(expected);
  });
});

describe('describeProgram', () => {
  const spec = describeProgram(sampleProgram());

  it('lists the visible commands without hidden ones or the implicit help command', () => {
    expect(spec.commands.map((command) => command.name)).toEqual(['init', 'probe', 'completion']);
  });

  it('takes each flag with its value kind from the commander definition', () => {
    const init = spec.commands.find((command) => command.name === 'init');
    expect(init?.flags).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ long: '--sa-dir', value: { kind: 'directory' } }),
        expect.objectContaining({ long: '--context', value: { kind: 'context', kubeconfigFlag: '--kubeconfig' } }),
        expect.objectContaining({ long: '--no-set-current', value: { kind: 'none' } }),
        expect.objectContaining({ short: '-o', long: '--output', value: { kind: 'choices', choices: ['text', 'json'] } }),
        expect.objectContaining({ long: '--help' }),
      ]),
    );
  });

  it('takes positionals with their choices', () => {
    expect(spec.commands.find((command) => command.name === 'completion')?.args).toEqual([
      { name: 'shell', variadic: false, value: { kind: 'choices', choices: ['bash', 'zsh', 'fish'] } },
    ]);
    expect(spec.commands.find((command) => command.name === 'probe')?.args).toEqual([{ name: 'context', variadic: false, value: { kind: 'context', kubeconfigFlag: '--kubeconfig' } }]);
  });

  it('keeps the program flags separately', () => {
    expect(spec.flags.map((flag) => flag.long)).toEqual(['--version', '--debug', '--help']);
  });
});

describe('bash completion script', () => {
  const spec: CompletionSpec = describeProgram(sampleProgram());
  const { path, env } = scriptDir(renderBashCompletion(spec), 'completion.bash');

  function complete(words: readonly string[]): string[] {
    const cword = words.length - 1;
    const quoted = words.map((word) => `'${word.replace(/'/g, `'\\''`)}'`).join(' ');
    const output = execFileSync('bash', ['-c', `source '${path}'; COMP_WORDS=(${quoted}); COMP_CWORD=${cword}; _sa_kubeconfig; printf '%s\\n' "\${COMPREPLY[@]}"`], {
      env,
      encoding: 'utf8',
    });
    return output.split('\n').filter((line) => line !== '');
  }

  it.each([
    [['sa-kubeconfig', ''], ['init', 'probe', 'completion']],
    [['sa-kubeconfig', 'in'], ['init']],
    [['sa-kubeconfig', '--'], ['--version', '--debug', '--help']],
    [['sa-kubeconfig', 'init', '--s'], ['--sa-dir', '--server']],
    [['sa-kubeconfig', 'init', '--no'], ['--no-set-current']],
    [['sa-kubeconfig', 'init', '--de'], ['--debug']],
    [['sa-kubeconfig', 'init', '-o', ''], ['text', 'json']],
    [['sa-kubeconfig', 'init', '--output=j'], ['json']],
    [['sa-kubeconfig', 'init', '--context', 'pr'], ['prod', 'prod-eu']],
    [['sa-kubeconfig', 'init', '--context', 'ns/'], ['ns/sa@host:6443']],
    [['sa-kubeconfig', '--debug', 'probe', ''], ['ns/sa@host:6443', 'prod', 'prod-eu']],
    [['sa-kubeconfig', 'probe', '--kubeconfig', '/tmp/k', 'f'], ['from:/tmp/k']],
    [['sa-kubeconfig', 'probe', 'prod', ''], []],
    [['sa-kubeconfig', 'completion', ''], ['bash', 'zsh', 'fish']],
    [['sa-kubeconfig', 'completion', 'z'], ['zsh']],
  ])('completes %j to %j', (words, expected) => {
    expect(complete(words)).toEqual(expected);
  });

  /** As bash calls it: COMP_LINE/COMP_POINT, with COMP_WORDS split at ':' and '=' (COMP_WORDBREAKS). */
  function completeLine(line: string): string[] {
    const words = line.split(/(\s+|[:=])/).filter((word) => word.trim() !== '');
    if (/\s$/.test(line)) words.push('');
    const quoted = words.map((word) => `'${word}'`).join(' ');
    const script = `source '${path}'; COMP_LINE='${line}'; COMP_POINT=${line.length}; COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; _sa_kubeconfig; printf '%s\\n' "\${COMPREPLY[@]}"`;
    return execFileSync('bash', ['-c', script], { env, encoding: 'utf8' })
      .split('\n')
      .filter((entry) => entry !== '');
  }

  it.each([
    // bash replaces only the part after the last ':' of the word, so that is what we return.
    ['sa-kubeconfig init --context ns/sa@host:6', ['6443']],
    ['sa-kubeconfig init --context ns/', ['ns/sa@host:6443']],
    ['sa-kubeconfig init --context=pro', ['prod', 'prod-eu']],
    ['sa-kubeconfig init --output=', ['text', 'json']],
    ['sa-kubeconfig probe ns/sa@host:', ['6443']],
    ['sa-kubeconfig init --s', ['--sa-dir', '--server']],
  ])('completes the line %j (words split at : and =) to %j', (line, expected) => {
    expect(completeLine(line)).toEqual(expected);
  });

  it('completes file names for --kubeconfig', () => {
    expect(complete(['sa-kubeconfig', 'init', '--kubeconfig', path.replace(/ash$/, '')])).toEqual([path]);
  });
});

describe.each(['bash', 'zsh', 'fish'] as const)('%s script', (shell) => {
  it.skipIf(!hasShell(shell))(`parses with ${shell} -n`, () => {
    const { path, env } = scriptDir(renderCompletionScript(shell, describeProgram(sampleProgram())), `completion.${shell}`);
    const result = spawnSync(shell, ['-n', path], { env, encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});

describe('fish completion script', () => {
  it.skipIf(!hasShell('fish'))('completes commands, flags, choices and contexts (fish complete -C)', () => {
    const { path, env } = scriptDir(renderCompletionScript('fish', describeProgram(sampleProgram())), 'completion.fish');
    const complete = (line: string): string[] =>
      execFileSync('fish', ['--no-config', '-c', `source '${path}'; complete -C '${line}'`], { env, encoding: 'utf8' })
        .split('\n')
        .filter((entry) => entry !== '')
        .map((entry) => entry.split('\t')[0] ?? '');
    expect(complete('sa-kubeconfig ')).toEqual(expect.arrayContaining(['init', 'probe', 'completion']));
    expect(complete('sa-kubeconfig init --s')).toEqual(expect.arrayContaining(['--sa-dir', '--server']));
    expect(complete('sa-kubeconfig init --output ')).toEqual(['json', 'text']);
    expect(complete('sa-kubeconfig init --context pr')).toEqual(['prod', 'prod-eu']);
  });
});

describe('zsh completion script', () => {
  it('quotes descriptions holding brackets and single quotes', () => {
    const script = renderCompletionScript('zsh', describeProgram(sampleProgram()));
    expect(script).toContain(`'init:write a kubeconfig\\: it'\\''s [fast]'`);
    expect(script).toContain(`'(-o --output)--output=[output format]:value:(text json)'`);
  });
});
