// A scripted Spawn for the kubectl layer's unit tests: each call is answered by the first rule whose
// argv matcher accepts it; every request is recorded.
import type { Spawn, SpawnRequest, SpawnResult } from '../../../src/deps.js';

export type Answer = Partial<SpawnResult> | Error | ((request: SpawnRequest) => Partial<SpawnResult> | Error);
export interface Rule {
  readonly match: (args: readonly string[]) => boolean;
  readonly answer: Answer;
}

export function fakeSpawn(rules: readonly Rule[]): { spawn: Spawn; requests: SpawnRequest[] } {
  const requests: SpawnRequest[] = [];
  const spawn: Spawn = async (request) => {
    requests.push(request);
    const rule = rules.find((candidate) => candidate.match(request.args));
    if (!rule) throw new Error(`unexpected kubectl call: ${request.args.join(' ')}`);
    const answer = typeof rule.answer === 'function' ? rule.answer(request) : rule.answer;
    if (answer instanceof Error) throw answer;
    return { exitCode: 0, signal: null, stdout: '', stderr: '', timedOut: false, ...answer };
  };
  return { spawn, requests };
}

/** Matches when the argv contains these words in this order, contiguously. */
export const argv = (...words: string[]) => (args: readonly string[]) => args.join('\0').includes(words.join('\0'));

export function errno(code: string): Error {
  return Object.assign(new Error(`spawn kubectl ${code}`), { code });
}

export const target = { kubectl: 'kubectl', timeoutMs: 5000 } as const;
