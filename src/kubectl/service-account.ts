// ServiceAccount objects through kubectl: does the account exist, and which Secrets does it list
// (a token Secret listed in `secrets` is an auto-generated legacy token, the kind the 1.29+
// cleaner invalidates after a year unused: legacy_serviceaccount_token_cleaner.go evaluateSATokens).
import * as z from '../validation.js';
import { kubectlFailure, parseKubectlJson, runKubectl, type KubectlDeps, type KubectlTarget } from './run.js';

export const serviceAccountSchema = z.looseObject({
  metadata: z.looseObject({ name: z.string(), namespace: z.optional(z.string()) }),
  secrets: z.optional(z.nullable(z.array(z.looseObject({ name: z.optional(z.string()) })))),
});
export type ServiceAccount = z.infer<typeof serviceAccountSchema>;

/** The account, or ERR_SERVICEACCOUNT_NOT_FOUND. */
export async function getServiceAccount(
  deps: KubectlDeps,
  target: KubectlTarget,
  namespace: string,
  name: string,
): Promise<ServiceAccount> {
  const outcome = await runKubectl(deps, target, ['get', 'serviceaccount', name, '-n', namespace, '-o', 'json']);
  if (!outcome.ok) {
    if (outcome.kind === 'not-found') {
      throw kubectlFailure(outcome, 'ERR_SERVICEACCOUNT_NOT_FOUND', `create it first (kubectl create serviceaccount ${name} -n ${namespace}) or check -n`);
    }
    throw kubectlFailure(outcome);
  }
  return parseKubectlJson(outcome.stdout, serviceAccountSchema, outcome.command);
}

/** Pure: whether the account lists this Secret, i.e. it is an auto-generated (cleanable) token. */
export function listsSecret(account: ServiceAccount, secretName: string): boolean {
  return (account.secrets ?? []).some((ref) => ref.name === secretName);
}
