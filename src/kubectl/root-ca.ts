// The namespace's kube-root-ca.crt ConfigMap, published by kube-controller-manager's root-CA
// publisher (pkg/controller/certificates/rootcacertpublisher/publisher.go). TokenRequest returns
// no CA, so this is the fallback when the source context names none. Its own annotation says it
// verifies internal endpoints only; callers warn accordingly.
import * as z from '../validation.js';
import { parseKubectlJson, runKubectl, type KubectlDeps, type KubectlTarget } from './run.js';

export const ROOT_CA_CONFIGMAP = 'kube-root-ca.crt';

const configMapSchema = z.looseObject({ data: z.optional(z.nullable(z.record(z.string(), z.string()))) });

export type RootCaOutcome =
  | { readonly found: true; readonly pem: string }
  | { readonly found: false; readonly reason: string };

export async function readRootCaConfigMap(deps: KubectlDeps, target: KubectlTarget, namespace: string): Promise<RootCaOutcome> {
  const outcome = await runKubectl(deps, target, ['get', 'configmap', ROOT_CA_CONFIGMAP, '-n', namespace, '-o', 'json']);
  if (!outcome.ok) return { found: false, reason: outcome.line };
  const configMap = parseKubectlJson(outcome.stdout, configMapSchema, outcome.command);
  const pem = configMap.data?.['ca.crt'];
  if (pem === undefined || !pem.includes('-----BEGIN CERTIFICATE-----')) {
    return { found: false, reason: `configmap ${namespace}/${ROOT_CA_CONFIGMAP} has no PEM certificate under ca.crt` };
  }
  return { found: true, pem };
}
