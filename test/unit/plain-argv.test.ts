// readPlainArgv (src/commands/flag-spec.ts) against commander: main.ts runs `init` straight when
// readPlainArgv reads its command line, so wherever it answers, the options and --debug must be
// what commander's action of the real program (program.ts, with init's real commander command)
// receives for the same argv. Over hand-picked and generated command lines.
import { describe, expect, it } from 'vitest';
import type { CommandContext } from '../../src/context.js';
import type { Deps } from '../../src/deps.js';
import { createSecretRegistry } from '../../src/output.js';
import { describeFlag, readPlainArgv, type FlagSpec } from '../../src/commands/flag-spec.js';
import { INIT_FLAGS } from '../../src/commands/init.js';
import { buildProgram, parseProgram } from '../../src/program.js';

type Outcome = { readonly ran: true; readonly debug: boolean; readonly options: Record<string, unknown> } | { readonly ran: false; readonly exitCode: number | undefined };

/** What the commander program does with argv: init's action run with these options, or not run. */
async function commanderOutcome(argv: readonly string[]): Promise<Outcome> {
  const output: string[] = [];
  const deps = { stdout: (text: string) => output.push(text), stderr: (text: string) => output.push(text), env: {} } as unknown as Deps;
  const ctx: CommandContext = { deps, secrets: createSecretRegistry(), debug: () => false, warn: () => undefined, setExitCode: () => undefined, writeSecretOutput: () => undefined };
  let debug = false;
  const built = buildProgram(argv, ctx, (on) => {
    debug = on;
  });
  let received: Record<string, unknown> | undefined;
  // The real init command, its action swapped for one that records what commander passes it.
  built.program.commands.find((command) => command.name() === 'init')?.action((options: Record<string, unknown>) => {
    received = { ...options };
  });
  const exitCode = await parseProgram(built);
  return received === undefined ? { ran: false, exitCode } : { ran: true, debug, options: received };
}

/** commander leaves out an option that has no value; readPlainArgv does too: compare without undefined. */
function defined(options: Readonly<Record<string, unknown>>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}

async function expectAgreement(argv: readonly string[]): Promise<'read' | 'left'> {
  const plain = readPlainArgv(argv, 'init', INIT_FLAGS);
  if (plain === undefined) return 'left';
  const outcome = await commanderOutcome(argv);
  expect(outcome, JSON.stringify(argv)).toEqual({ ran: true, debug: plain.debug, options: defined(plain.options) });
  return 'read';
}

describe('readPlainArgv', () => {
  it.each([
    [['init']],
    [['init', '--sa-dir', '/sa', '--server', 'https://10.0.0.1:443', '--kubeconfig', '/tmp/k']],
    [['init', '--server=https://h', '-n', 'team-a', '--embed', '--no-set-current', '-o', 'json']],
    [['--debug', 'init', '--stdout']],
    [['init', '--stdout', '--debug']],
    [['init', '--output=text', '--lock-timeout', '1m', '--probe', '--probe-timeout=3s', '--insecure-allow-http']],
    [['init', '--cluster', 'c', '--user', 'u', '--context', 'x', '--namespace=ns']],
    [['init', '--server', '', '--sa-dir=']],
  ])('reads %j as commander does', async (argv) => {
    expect(await expectAgreement(argv)).toBe('read');
  });

  it.each([
    [['init', '--server']],
    [['init', '--server', '--debug']],
    [['init', '-nteam-a']],
    [['init', '--embed=true']],
    [['init', '--server', 'a', '--server', 'b']],
    [['init', '--', '--embed']],
    [['init', 'extra']],
    [['init', '--help']],
    [['init', '-V']],
    [['init', '-o', 'yaml']],
    [['init', '--set-current']],
    [['init', '--no-embed']],
    [['help', 'init']],
    [['-V', 'init']],
    [['ini']],
    [['probe']],
    [[]],
  ])('leaves %j to commander', (argv) => {
    expect(readPlainArgv(argv, 'init', INIT_FLAGS)).toBeUndefined();
  });

  it('agrees with commander on 3,000 generated command lines, and reads a good part of them', async () => {
    // A fixed-seed generator (mulberry32), so a failure names a command line that fails again.
    let seed = 0x5eed;
    const random = () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
    const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
    const values = ['v', 'https://10.0.0.1:443', '', 'json', 'text', 'yaml', '15s', 'a=b', '-x', '--debug', '-V', '--', 'init', 'a b'];
    const shapes = INIT_FLAGS.map(describeFlag);
    const noise = ['--debug', '-V', '--help', '-h', '--', 'extra', '--no-embed', '--set-current', '--bogus', '-n', '-o', '-nx', '-ojson', '--debug=1'];
    const token = (): string[] => {
      if (random() < 0.15) return [pick(noise)];
      const shape = pick(shapes);
      if (!shape.takesValue) return random() < 0.9 ? [shape.long] : [`${shape.long}=${pick(values)}`];
      const value = pick(values);
      const form = random();
      if (form < 0.4) return [shape.long, value];
      if (form < 0.7) return [`${shape.long}=${value}`];
      return shape.short !== undefined ? [shape.short, value] : [shape.long];
    };
    const tally = { read: 0, left: 0 };
    for (let run = 0; run < 3000; run += 1) {
      const before = random() < 0.2 ? [pick(['--debug', '-V', 'help', '--help'])] : [];
      const argv = [...before, random() < 0.95 ? 'init' : pick(['ini', 'probe', 'init2']), ...Array.from({ length: Math.floor(random() * 6) }, token).flat()];
      tally[await expectAgreement(argv)] += 1;
    }
    // Not a test that passes by reading nothing: most generated lines with only table flags are read.
    expect(tally.read).toBeGreaterThan(600);
    expect(tally.left).toBeGreaterThan(600);
  });

  it('knows every option commander gives init, and commander knows every flag of the table', async () => {
    const built = buildProgram(['init'], { deps: { stdout: () => undefined, stderr: () => undefined, env: {} } as unknown as Deps } as CommandContext, () => undefined);
    const init = built.program.commands.find((command) => command.name() === 'init');
    expect(init?.options.map((option) => [option.flags, option.attributeName()])).toEqual(INIT_FLAGS.map((spec: FlagSpec) => [describeFlag(spec).flags, describeFlag(spec).key]));
  });
});
