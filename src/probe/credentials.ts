// The user's credentials as client-go would present them: bearer token (tokenFile re-read and
// winning over token, transport/round_trippers.go NewBearerAuthWithRefreshRoundTripper), client
// certificate and key (data wins over file), basic auth, exec plugins
// (plugin/pkg/client/auth/exec/exec.go), impersonation headers. auth-provider plugins are not run.
// Every secret is registered with the redaction registry the moment it is learnt.
import { delimiter, dirname, isAbsolute, join, resolve, sep } from 'node:path';
import * as z from '../validation.js';
import type { Deps } from '../deps.js';
import { CliError, describeErrno, errnoCode, isCliError } from '../errors.js';
import type { ExecConfig } from '../kubeconfig/schema.js';
import type { SecretRegistry } from '../output.js';
import { describeNonTokenCharacter, trimGoSpace } from '../serviceaccount/read.js';
import { decodeTokenClaims } from '../serviceaccount/token.js';
import type { CredentialInUse } from './classify.js';
import { keyPairError } from './keypair.js';
import type { ProbeTarget } from './target.js';

export interface BearerToken {
  readonly token: string;
  /** Where the token came from, for hints (a 401 means something different for each). */
  readonly kind: 'token' | 'tokenFile' | 'exec' | 'auth-provider';
  /** "token", "tokenFile /path", "exec plugin NAME". */
  readonly source: string;
  readonly expiresAt?: Date | undefined;
  /**
   * The user a service-account token names (system:serviceaccount:NS:NAME), read here from its
   * claims, not from anything the server says: an RBAC hint names a subject only when the server
   * names this same one (a hostile server could otherwise pick who the pasted grant is for).
   */
  readonly serviceAccountUser?: string | undefined;
}

export interface Credentials {
  readonly bearer?: BearerToken | undefined;
  readonly basic?: { readonly username: string; readonly password: string } | undefined;
  readonly clientCert?: { readonly certPem: string; readonly keyPem: string; readonly source: string } | undefined;
  /** Impersonate-* headers (as, as-uid, as-groups, as-user-extra). */
  readonly impersonation: Readonly<Record<string, string | readonly string[]>>;
  /** Why a configured credential is not sent (an oidc id-token kubectl would refresh first): a config warning. */
  readonly withheld?: string | undefined;
}

export const NO_CREDENTIALS: Credentials = { impersonation: {} };

export function hasCredentials(credentials: Credentials): boolean {
  return Boolean(credentials.bearer || credentials.basic || credentials.clientCert);
}

/**
 * The credential the API server judges: a bearer token when one is sent (the token authenticator
 * answers 401 for a bad one), else basic auth, else the client certificate.
 */
export function credentialInUse(credentials: Credentials): CredentialInUse | undefined {
  if (credentials.bearer) return { kind: credentials.bearer.kind, source: credentials.bearer.source };
  if (credentials.basic) return { kind: 'basic', source: `user "${credentials.basic.username}"` };
  if (credentials.clientCert) return { kind: 'client-cert', source: credentials.clientCert.source };
  return undefined;
}

export function describeCredentials(credentials: Credentials): string {
  const parts: string[] = [];
  if (credentials.bearer) parts.push(`bearer token from ${credentials.bearer.source}`);
  if (credentials.basic) parts.push(`basic auth as ${credentials.basic.username}`);
  if (credentials.clientCert) parts.push(`client certificate from ${credentials.clientCert.source}`);
  const as = credentials.impersonation['Impersonate-User'];
  if (typeof as === 'string') parts.push(`impersonating ${as}`);
  return parts.length === 0 ? 'no credentials' : parts.join(', ');
}

export interface CredentialOptions {
  readonly secrets: SecretRegistry;
  readonly timeoutMs: number;
  /** The flag that sets timeoutMs, named in hints (default --timeout). */
  readonly timeoutFlag?: string | undefined;
  /** The clock an oidc id-token's exp is read against. */
  readonly now: Date;
  /** For an exec plugin's KUBERNETES_EXEC_INFO when provideClusterInfo is set. */
  readonly caPem?: string | undefined;
}

export type CredentialDeps = Pick<Deps, 'fs' | 'env' | 'spawn'>;

/**
 * What kubectl refuses in a user entry before it sends anything (client-go validation.go
 * validateAuthInfo), with its wording: the probe must not pass a kubeconfig kubectl rejects.
 */
export function validateUser(user: ProbeTarget['user'], who: string): void {
  const fail = (message: string, hint: string, code: 'ERR_CREDENTIALS_INVALID' | 'ERR_EXEC_PLUGIN' = 'ERR_CREDENTIALS_INVALID') => {
    throw new CliError(code, message, { hint });
  };
  // Checked only for a user with a certificate, as client-go does (a key alone is ignored).
  if (user['client-certificate'] || user['client-certificate-data']) {
    if (user['client-certificate'] && user['client-certificate-data']) fail(`client-cert-data and client-cert are both specified for ${who}. client-cert-data will override.`, 'keep one of them (kubectl refuses the kubeconfig with both)');
    if (user['client-key'] && user['client-key-data']) fail(`client-key-data and client-key are both specified for ${who}; client-key-data will override`, 'keep one of them (kubectl refuses the kubeconfig with both)');
  }
  // Only token and basic auth are counted; tokenFile or a certificate beside a token is allowed.
  const basicAuth = Boolean(user.username || user.password);
  if (user.token && basicAuth) fail(`more than one authentication method found for ${who}; found [token basicAuth], only one is allowed`, 'keep the token or the username and password');
  // A tokenFile with basic auth passes validation and fails when the transport is built
  // (transport/config.go HTTPWrappersForConfig).
  if (user.tokenFile && basicAuth) fail('username/password or bearer token may be set, but not both', `keep the tokenFile or the username and password of ${who}`);
  if (!user.as && (user['as-uid'] || (user['as-groups']?.length ?? 0) > 0 || Object.keys(user['as-user-extra'] ?? {}).length > 0)) {
    fail(`requesting uid, groups or user-extra for ${who} without impersonating a user`, 'set as (the user to impersonate) too, or remove as-uid, as-groups and as-user-extra');
  }
  const exec = user.exec;
  if (exec) {
    const execFail = (message: string, hint: string) => fail(message, hint, 'ERR_EXEC_PLUGIN');
    if (user['auth-provider']) execFail(`authProvider cannot be provided in combination with an exec plugin for ${who}`, 'keep the exec plugin or the auth-provider');
    if (!exec.command) execFail(`command must be specified for ${who} to use exec authentication plugin`, installHintOf(exec) || 'set exec.command');
    if (!exec.apiVersion) execFail(`apiVersion must be specified for ${who} to use exec authentication plugin`, `set exec.apiVersion to ${EXEC_API_VERSIONS[0]}`);
    if ((exec.env ?? []).some((variable) => !variable.name)) execFail(`env variable name must be specified for ${who} to use exec authentication plugin`, 'give every exec.env entry a name');
    // v1beta1 (and v1alpha1) default it to IfAvailable when loaded; v1 must say (api/v1/defaults.go).
    const mode = exec.interactiveMode || (exec.apiVersion === EXEC_API_VERSIONS[0] ? '' : 'IfAvailable');
    if (mode === '') execFail(`interactiveMode must be specified for ${who} to use exec authentication plugin`, 'set exec.interactiveMode: Never (or IfAvailable)');
    if (!['Never', 'IfAvailable', 'Always'].includes(mode)) execFail(`invalid interactiveMode for ${who}: "${mode}"`, 'use Never, IfAvailable or Always');
  }
}

/** The kubeconfig's installHint on one line, or "" (it may span lines; hints are one line). */
function installHintOf(exec: ExecConfig): string {
  return exec.installHint?.trim().replace(/\s*\n\s*/g, ' ') ?? '';
}

/**
 * Whether the user entry asks for any credential, read or not: over plain http none is read,
 * and the authn stage then explains why the server saw system:anonymous.
 */
export function configuresCredentials(user: ProbeTarget['user']): boolean {
  return Boolean(user.token || user.tokenFile || user.username || user['client-certificate'] || user['client-certificate-data'] || user.exec || user['auth-provider']);
}

export async function resolveCredentials(deps: CredentialDeps, target: ProbeTarget, options: CredentialOptions): Promise<Credentials> {
  const user = target.user;
  const who = target.userName ?? target.label;
  validateUser(user, who);
  const provider = user['auth-provider'];
  let bearer: BearerToken | undefined;
  let clientCert: Credentials['clientCert'];
  let withheld: string | undefined;
  // The oidc round tripper steps aside when a token is already set; gcp and azure fail anyway.
  if (provider) {
    const fromProvider = authProviderToken(provider, who, options.secrets, Boolean(user.token || user.tokenFile), options.now);
    bearer = fromProvider.bearer;
    withheld = fromProvider.withheld;
  }
  if (user.token) {
    options.secrets.add(user.token);
    bearer = { token: user.token, kind: 'token', source: 'token', ...(await tokenFacts(user.token)) };
  }
  if (user.tokenFile) {
    // tokenFile is re-read and wins; beside a token, a file that cannot be read (or is empty)
    // leaves the token in use (transport/round_trippers.go bearerAuthRoundTripper keeps rt.bearer
    // when its token source fails). Alone, it is an error (client_config.go reads it up front).
    try {
      bearer = await readTokenFile(deps, user.tokenFile, who, options.secrets);
    } catch (error) {
      if (bearer === undefined || !isCliError(error)) throw error;
      bearer = { ...bearer, source: `token (kubectl falls back to it: ${error.message})` };
    }
  }
  const basic = user.username !== undefined && user.username !== '' ? { username: user.username, password: user.password ?? '' } : undefined;
  if (basic) registerBasicAuth(options.secrets, basic.username, basic.password);
  clientCert = await readClientCertificate(deps, user, who, options.secrets);
  // exec.go Authenticator.UpdateTransportConfig: with a token, basic auth or a client certificate
  // already set, the plugin is not run ("we should assume the intention is to use the provided
  // token").
  if (user.exec && !bearer && !basic && !clientCert) {
    const fromExec = await runExecPlugin(deps, user.exec, target, options);
    if (fromExec.bearer) bearer = fromExec.bearer;
    if (fromExec.clientCert) clientCert = fromExec.clientCert;
  }
  const impersonation: Record<string, string | readonly string[]> = {};
  if (user.as) impersonation['Impersonate-User'] = user.as;
  if (user['as-uid']) impersonation['Impersonate-Uid'] = user['as-uid'];
  if (user['as-groups']?.length) impersonation['Impersonate-Group'] = user['as-groups'];
  for (const [key, values] of Object.entries(user['as-user-extra'] ?? {})) {
    if (values?.length) impersonation[`Impersonate-Extra-${escapeHeaderKey(key)}`] = values;
  }
  const credentials: Credentials = { bearer, basic, clientCert, impersonation, withheld };
  checkHeaderValues(credentials, who);
  // Go's HTTP/1 writer trims a header value's trailing spaces and tabs (textproto.TrimString),
  // and the API server trims the header: `token: "abc "` authenticates as abc. Sent as kubectl sends it.
  const sent = bearer?.token.replace(/[ \t]+$/, '');
  return bearer && sent !== bearer.token ? { ...credentials, bearer: { ...bearer, token: sent as string } } : credentials;
}

/** Go's exec.LookPath on Unix: the first absolute PATH entry holding an executable file of that name. */
async function lookPath(deps: Pick<Deps, 'fs'>, name: string, path: string): Promise<string | undefined> {
  for (const dir of path.split(delimiter)) {
    if (!isAbsolute(dir)) continue;
    const candidate = join(dir, name);
    const stat = await deps.fs.stat(candidate).catch(() => undefined);
    if (stat !== undefined && !stat.isDirectory() && (stat.mode & 0o111) !== 0) return candidate;
  }
  return undefined;
}

/**
 * The Authorization (or Proxy-Authorization) value of basic auth, as Go's net/http builds it
 * (request.go SetBasicAuth: "Basic " + base64.StdEncoding of "user:password").
 */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
}

/**
 * Registers everything of basic auth that could come back to us: the password, the header value
 * exactly as sent, and its base64 part alone. A server or proxy that echoes the header (a 401
 * body, a 407 status line) would otherwise put a reversible copy of the password on screen, and
 * a short password alone is below the registry's minimum length while its header value is not.
 */
export function registerBasicAuth(secrets: SecretRegistry, username: string, password: string): void {
  const header = basicAuthorization(username, password);
  secrets.add(password);
  secrets.add(header);
  secrets.add(header.slice('Basic '.length));
}

/**
 * client-go's canIdentifyUser (client_config.go): over TLS, a user with no token (or tokenFile),
 * username, client certificate, auth-provider or exec plugin makes kubectl prompt on stdin
 * ("Please enter Username: ", then the password), which fails without a terminal ("error: EOF").
 * The probe has no answers to type, and what kubectl would send then is basic auth, which
 * kube-apiserver has not taken since 1.19: the context does not work as written, so this is a
 * config failure, not a warning. A context naming a user the kubeconfig lacks is the same case.
 */
export function refuseUnidentifiedUser(target: ProbeTarget, credentials: Credentials): void {
  const user = target.user;
  if (hasCredentials(credentials) || user.exec || user['auth-provider']) return;
  const name = target.userName ?? target.label;
  const prompts = 'kubectl prompts for a username and password ("Please enter Username: ") and, without a terminal (CI, a Job, a script), fails with "error: EOF"';
  if (target.userFound === false) {
    throw new CliError('ERR_CREDENTIALS_INVALID', `context "${target.label}" names user "${name}", which is not in the kubeconfig: ${prompts}`, {
      hint: `fix the context's user, or define the user (kubectl config set-credentials ${name} --token=…); kubectl config view shows what is loaded`,
    });
  }
  throw new CliError('ERR_CREDENTIALS_INVALID', `user "${name}" has no credentials (no token, tokenFile, client certificate, username, exec or auth-provider): ${prompts}`, {
    hint: `give the user a credential: kubectl config set-credentials ${name} --token=… (or a tokenFile, client certificate or exec plugin)`,
  });
}

/**
 * The first byte Go's net/http refuses in a header value (httpguts.ValidHeaderFieldValue: a control
 * character other than a tab), described without the value, or undefined when it may be sent.
 */
export function invalidHeaderByte(value: string): string | undefined {
  for (let index = 0; index < value.length; index += 1) {
    const code = value.charCodeAt(index);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) {
      const name = code === 0x0a ? 'a line feed (\\n)' : code === 0x0d ? 'a carriage return (\\r)' : `the control character U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
      return `${name} at position ${index + 1} of ${value.length}`;
    }
  }
  return undefined;
}

/**
 * kubectl's first request fails with net/http's `invalid header field value for "Authorization"`
 * when a token holds a newline (a `token: |` block scalar keeps the trailing one); the probe says
 * so at the config stage, naming where the bad byte is, never the token. Basic auth cannot hit
 * this: its header value is base64.
 */
function checkHeaderValues(credentials: Credentials, who: string): void {
  if (credentials.bearer) {
    const problem = invalidHeaderByte(credentials.bearer.token);
    // Anything else that is not visible ASCII kubectl sends as it is (UTF-8), and the API server
    // refuses the token (401): say so here, and why, rather than at the authentication stage.
    // Trailing spaces and tabs are trimmed on the way (where the credentials are put together).
    const foreign = problem === undefined ? describeNonTokenCharacter(credentials.bearer.token.replace(/[ \t]+$/, '')) : undefined;
    if (foreign !== undefined) {
      throw new CliError('ERR_CREDENTIALS_INVALID', `the bearer token from ${credentials.bearer.source} of user "${who}" is not one: it contains ${foreign} (a token is ASCII; kubectl sends these bytes as they are, and the API server refuses the token)`, {
        hint: foreign.startsWith('a byte-order mark') ? 'the file was saved as "UTF-8 with BOM": write the token without the mark' : 'the token was damaged in a copy; take it again from its source',
      });
    }
    if (problem !== undefined) {
      throw new CliError('ERR_CREDENTIALS_INVALID', `the bearer token from ${credentials.bearer.source} of user "${who}" cannot be sent: it contains ${problem} (kubectl fails with net/http: invalid header field value for "Authorization")`, {
        hint:
          credentials.bearer.kind === 'token'
            ? 'write the token on one line (a YAML block scalar such as token: | keeps a trailing newline), or use tokenFile, which is trimmed'
            : 'the credential source returned a token with a control character in it: fix what writes it',
      });
    }
  }
  for (const [header, value] of Object.entries(credentials.impersonation)) {
    const values = typeof value === 'string' ? [value] : value;
    for (const entry of values) {
      const problem = invalidHeaderByte(entry);
      if (problem !== undefined) {
        throw new CliError('ERR_CREDENTIALS_INVALID', `the ${header} value of user "${who}" cannot be sent: it contains ${problem} (kubectl fails with net/http: invalid header field value for "${header}")`, {
          hint: 'remove the line break or control character from as, as-uid, as-groups or as-user-extra',
        });
      }
    }
  }
}

/**
 * transport/round_trippers.go headerKeyEscape: an extra's key goes into a header name, so bytes
 * that may not appear in one (and "%") are percent-encoded.
 */
export function escapeHeaderKey(key: string): string {
  let escaped = '';
  for (const byte of Buffer.from(key, 'utf8')) {
    const char = String.fromCharCode(byte);
    escaped += /^[A-Za-z0-9!#$&'*+\-.^_`|~]$/.test(char) ? char : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return escaped;
}

/**
 * The legacy auth-provider plugins: gcp and azure were removed from kubectl 1.26 and fail there
 * too. oidc is still built in (plugin/pkg/client/auth/oidc): it needs idp-issuer-url and
 * client-id, and sends its id-token while the token's exp is more than 10 s away. Otherwise it
 * refreshes the token with the refresh-token at the identity provider, which the probe does not
 * do: it then sends nothing rather than a token it knows kubectl would not send, and says why.
 * Without a refresh-token kubectl fails before sending anything, and so does the probe.
 * No bearer when a token of the user's own will be sent instead.
 */
const OIDC_PUBLIC_KEYS: ReadonlySet<string> = new Set(['idp-issuer-url', 'client-id', 'idp-certificate-authority', 'extra-scopes']);

function authProviderToken(
  provider: NonNullable<ProbeTarget['user']['auth-provider']>,
  who: string,
  secrets: SecretRegistry,
  hasToken: boolean,
  now: Date,
): { bearer?: BearerToken | undefined; withheld?: string | undefined } {
  const config = provider.config ?? {};
  // oidc's secrets are its tokens and client secret; its issuer URL and client id are not, and
  // redacting them would blank them (and every word equal to them) out of every message. Any
  // other provider's values are all taken as secrets.
  for (const [key, value] of Object.entries(config)) {
    if (provider.name !== 'oidc' || !OIDC_PUBLIC_KEYS.has(key)) secrets.add(value);
  }
  if (provider.name === 'oidc') {
    if (!config['idp-issuer-url']) throw new CliError('ERR_AUTH_PROVIDER_UNSUPPORTED', 'Must provide idp-issuer-url', { hint: `set auth-provider.config.idp-issuer-url for ${who}` });
    if (!config['client-id']) throw new CliError('ERR_AUTH_PROVIDER_UNSUPPORTED', 'Must provide client-id', { hint: `set auth-provider.config.client-id for ${who}` });
    if (hasToken) return {};
    const idToken = config['id-token'] ?? '';
    const state = idToken === '' ? ({ kind: 'missing' } as const) : oidcIdTokenState(idToken, now);
    if (state.kind === 'invalid') {
      throw new CliError('ERR_AUTH_PROVIDER_UNSUPPORTED', `auth-provider oidc of user "${who}": ${state.message}`, {
        hint: 'the stored id-token is damaged: log in again with your identity provider\'s tool to store a fresh one (kubectl fails the same way)',
      });
    }
    if (state.kind === 'valid') return { bearer: { token: idToken, kind: 'auth-provider', source: 'auth-provider oidc id-token', expiresAt: state.expiresAt } };
    const why = state.kind === 'missing' ? 'holds no id-token' : state.expiresAt ? `has an id-token that expired at ${state.expiresAt.toISOString()}` : 'has an id-token without an exp claim';
    if (!config['refresh-token']) {
      throw new CliError('ERR_AUTH_PROVIDER_UNSUPPORTED', `auth-provider oidc of user "${who}": No valid id-token, and cannot refresh without refresh-token`, {
        hint: `the auth-provider ${why}, which only the identity provider can replace: log in again (or switch the user to the exec plugin kubelogin)`,
      });
    }
    return {
      withheld: `the oidc auth-provider ${why}; kubectl would first refresh it with the refresh-token at ${config['idp-issuer-url']}, which the probe does not do, so no token is sent and the server sees an anonymous client (run any kubectl command once to refresh the kubeconfig, then probe again)`,
    };
  }
  const removed = provider.name === 'gcp' || provider.name === 'azure';
  throw new CliError('ERR_AUTH_PROVIDER_UNSUPPORTED', `auth-provider "${provider.name}" of user "${who}" cannot be run by the probe`, {
    hint: removed
      ? `kubectl removed the ${provider.name} auth-provider in 1.26 too; switch the user to the exec plugin (${provider.name === 'gcp' ? 'gke-gcloud-auth-plugin' : 'kubelogin'})`
      : 'switch the user to an exec plugin',
  });
}

export type IdTokenState = { readonly kind: 'valid'; readonly expiresAt: Date } | { readonly kind: 'expired'; readonly expiresAt?: Date | undefined } | { readonly kind: 'invalid'; readonly message: string };

/**
 * client-go oidc idTokenExpired: three dot-separated parts, the payload base64url without padding
 * (RawURLEncoding), JSON with a numeric exp; valid while now + 10 s (expiryDelta) is before exp.
 * A token without exp counts as expired (the zero time). The errors are client-go's.
 */
export function oidcIdTokenState(idToken: string, now: Date): IdTokenState {
  const parts = idToken.split('.');
  if (parts.length !== 3) return { kind: 'invalid', message: 'ID Token is not a valid JWT' };
  const payload = parts[1] ?? '';
  const bad = payload.search(/[^A-Za-z0-9_-]/);
  if (bad !== -1 || payload.length % 4 === 1) return { kind: 'invalid', message: `illegal base64 data at input byte ${bad === -1 ? payload.length - 1 : bad}` };
  let claims: unknown;
  try {
    claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  } catch (error) {
    return { kind: 'invalid', message: `parsing claims: ${error instanceof Error ? error.message : String(error)}` };
  }
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return { kind: 'invalid', message: 'parsing claims: the payload is not a JSON object' };
  const exp: unknown = (claims as Record<string, unknown>)['exp'];
  if (exp === undefined || exp === null) return { kind: 'expired' };
  const seconds = typeof exp === 'number' ? exp : typeof exp === 'string' && /^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(exp) ? Number(exp) : Number.NaN;
  if (!Number.isFinite(seconds)) return { kind: 'invalid', message: 'parsing claims: exp is not a number' };
  const expiresAt = new Date(Math.trunc(seconds) * 1000);
  return now.getTime() + 10_000 < expiresAt.getTime() ? { kind: 'valid', expiresAt } : { kind: 'expired', expiresAt };
}

async function tokenFacts(token: string): Promise<Pick<BearerToken, 'expiresAt' | 'serviceAccountUser'>> {
  const claims = await decodeTokenClaims(token);
  if (claims.kind !== 'jwt') return {};
  return {
    expiresAt: claims.expiresAt,
    ...(claims.namespace !== undefined && claims.serviceAccount !== undefined ? { serviceAccountUser: `system:serviceaccount:${claims.namespace}:${claims.serviceAccount}` } : {}),
  };
}

async function readTokenFile(deps: CredentialDeps, path: string, who: string, secrets: SecretRegistry): Promise<BearerToken> {
  let text: string;
  try {
    text = await deps.fs.readFile(path, 'utf8');
  } catch (cause) {
    throw new CliError('ERR_CREDENTIALS_INVALID', `failed to read token file ${path} of user "${who}": ${describeErrno(cause)}`, {
      cause,
      hint: 'fix the tokenFile path (relative paths resolve against the kubeconfig that defines the user)',
    });
  }
  // client-go transport/token_source.go fileTokenSource: TrimSpace (Go's: a byte-order mark
  // stays), and an empty file is an error.
  const token = trimGoSpace(text);
  if (token === '') {
    throw new CliError('ERR_CREDENTIALS_INVALID', `read empty token from file ${path} of user "${who}"`, { hint: 'write the token into the file' });
  }
  secrets.add(token);
  return { token, kind: 'tokenFile', source: `tokenFile ${path}`, ...(await tokenFacts(token)) };
}

async function readClientCertificate(deps: CredentialDeps, user: ProbeTarget['user'], who: string, secrets: SecretRegistry): Promise<Credentials['clientCert']> {
  const certData = user['client-certificate-data'];
  const keyData = user['client-key-data'];
  const certFile = user['client-certificate'];
  const keyFile = user['client-key'];
  const hasCert = Boolean(certData || certFile);
  const hasKey = Boolean(keyData || keyFile);
  // A key without a certificate is ignored (client-go validates keys only beside a certificate).
  if (!hasCert) return undefined;
  if (!hasKey) {
    throw new CliError('ERR_CREDENTIALS_INVALID', `client-key-data or client-key must be specified for ${who} to use the clientCert authentication method.`, {
      hint: 'client-certificate(-data) and client-key(-data) must be set together',
    });
  }
  const keyPem = keyData ? Buffer.from(keyData, 'base64').toString('utf8') : await readPemFile(deps, keyFile ?? '', 'client-key', who);
  secrets.add(keyPem);
  if (keyData) secrets.add(keyData);
  const certPem = certData ? Buffer.from(certData, 'base64').toString('utf8') : await readPemFile(deps, certFile ?? '', 'client-cert', who);
  const certSource = certData ? 'client-certificate-data' : (certFile ?? '');
  const keySource = keyData ? 'client-key-data' : (keyFile ?? '');
  const problem = keyPairError(certPem, keyPem);
  if (problem !== undefined) {
    // kubectl stops here too, before connecting (transport.TLSConfigFor → tls.X509KeyPair).
    throw new CliError('ERR_CREDENTIALS_INVALID', `cannot load the client certificate ${certSource} and key ${keySource} of user "${who}": ${problem}`, { hint: keyPairHint(problem) });
  }
  return { certPem, keyPem, source: certSource };
}

/** What to do about a tls.X509KeyPair error (keypair.ts), by which input it is about. */
function keyPairHint(problem: string): string {
  if (problem.includes('does not match')) {
    return 'the key is not the one the certificate was issued for: set client-key(-data) to the matching key (compare openssl x509 -noout -pubkey -in CERT with openssl pkey -pubout -in KEY); kubectl fails the same way before connecting';
  }
  if (problem.includes('PEM inputs may have been switched')) return 'client-certificate(-data) holds the key: swap it with client-key(-data)';
  if (problem.includes('key input') || problem.includes('private key')) {
    return 'client-key must name a PEM private key file (-----BEGIN … PRIVATE KEY-----), and client-key-data be the base64 of one';
  }
  return 'client-certificate must name a PEM certificate file (-----BEGIN CERTIFICATE-----), and client-certificate-data be the base64 of one';
}

async function readPemFile(deps: CredentialDeps, path: string, what: string, who: string): Promise<string> {
  try {
    return await deps.fs.readFile(path, 'utf8');
  } catch (cause) {
    throw new CliError('ERR_CREDENTIALS_INVALID', `unable to read ${what} ${path} for ${who}: ${describeErrno(cause)}`, { cause });
  }
}

const EXEC_API_VERSIONS = ['client.authentication.k8s.io/v1', 'client.authentication.k8s.io/v1beta1'] as const;

const execCredentialSchema = z.looseObject({
  apiVersion: z.optional(z.string()),
  kind: z.optional(z.string()),
  status: z.optional(
    z.nullable(
      z.looseObject({
        token: z.optional(z.string()),
        clientCertificateData: z.optional(z.string()),
        clientKeyData: z.optional(z.string()),
        expirationTimestamp: z.optional(z.string()),
      }),
    ),
  ),
});

/** The KUBERNETES_EXEC_INFO document (exec.go newExecCredential / clusterInfo). */
export function buildExecInfo(exec: ExecConfig, target: ProbeTarget, caPem: string | undefined): string {
  const spec: Record<string, unknown> = { interactive: false };
  if (exec.provideClusterInfo) {
    const cluster = target.cluster;
    const info: Record<string, unknown> = { server: cluster.server };
    if (cluster['tls-server-name']) info['tls-server-name'] = cluster['tls-server-name'];
    if (cluster['insecure-skip-tls-verify']) info['insecure-skip-tls-verify'] = true;
    if (caPem) info['certificate-authority-data'] = Buffer.from(caPem, 'utf8').toString('base64');
    if (cluster['proxy-url']) info['proxy-url'] = cluster['proxy-url'];
    if (cluster['disable-compression']) info['disable-compression'] = true;
    const extension = cluster.extensions?.find((entry) => entry.name === 'client.authentication.k8s.io/exec');
    // RawExtension is a struct, which omitempty never omits: client-go sends "config": null.
    info['config'] = extension?.extension ?? null;
    spec['cluster'] = info;
  }
  return JSON.stringify({ apiVersion: exec.apiVersion, kind: 'ExecCredential', spec });
}

async function runExecPlugin(deps: CredentialDeps, exec: ExecConfig, target: ProbeTarget, options: CredentialOptions): Promise<Pick<Credentials, 'bearer' | 'clientCert'>> {
  const who = target.userName ?? target.label;
  // validateUser has made sure there is one.
  const command = exec.command ?? '';
  const apiVersion = exec.apiVersion ?? '';
  if (!(EXEC_API_VERSIONS as readonly string[]).includes(apiVersion)) {
    throw new CliError('ERR_EXEC_PLUGIN', `exec plugin: invalid apiVersion "${apiVersion}" for user "${who}"`, {
      hint: `use ${EXEC_API_VERSIONS.join(' or ')}`,
    });
  }
  if (exec.interactiveMode === 'Always') {
    throw new CliError('ERR_EXEC_PLUGIN', 'exec plugin cannot support interactive mode: standard input is not a terminal', {
      hint: 'the probe never gives the plugin a terminal; log in with the plugin first, or use interactiveMode: IfAvailable',
    });
  }
  // Relative commands containing a slash resolve against the kubeconfig's directory (loader.go ResolvePaths).
  const resolved = command.includes('/') && !isAbsolute(command) && target.userFile ? resolve(dirname(target.userFile), command) : command;
  // A bare name is looked up as Go's exec.Command does, in kubectl's own PATH (not the one
  // exec.env gives the plugin, which spawn would search), and never relative to the working
  // directory (a "." or empty PATH entry: Go's ErrDot, which kubectl reports as not found).
  const program = resolved.includes('/') || sep === '\\' ? resolved : await lookPath(deps, resolved, deps.env['PATH'] ?? '');
  if (program === undefined) {
    throw new CliError('ERR_EXEC_PLUGIN', `exec: executable ${command} not found`, {
      hint: installHintOf(exec) || `install ${command} or put it on PATH (kubectl looks it up in its own PATH, not in exec.env's, and never in the working directory)`,
    });
  }
  const env: Record<string, string | undefined> = { ...deps.env };
  for (const entry of exec.env ?? []) env[entry.name] = entry.value ?? '';
  env['KUBERNETES_EXEC_INFO'] = buildExecInfo(exec, target, options.caPem);
  const name = `exec plugin ${command}`;
  let result;
  try {
    result = await deps.spawn({ command: program, args: [...(exec.args ?? [])], env, timeoutMs: Math.max(1, options.timeoutMs) });
  } catch (cause) {
    const code = errnoCode(cause);
    throw new CliError('ERR_EXEC_PLUGIN', `exec: executable ${command} ${code === 'ENOENT' ? 'not found' : `cannot be run: ${describeErrno(cause)}`}`, {
      cause,
      hint:
        installHintOf(exec) ||
        `install ${command} or put it on PATH (the plugin is run the way kubectl runs it, with this PATH)`,
    });
  }
  if (result.timedOut) {
    throw new CliError('ERR_EXEC_PLUGIN', `${name} did not finish within ${options.timeoutMs}ms`, { hint: `the plugin may be waiting for a login; run it by hand, or raise ${options.timeoutFlag ?? '--timeout'}` });
  }
  if (result.outputTooLarge) {
    throw new CliError('ERR_EXEC_PLUGIN', `${name} printed more than 16 MiB and was stopped`, { hint: 'an ExecCredential is a few KiB; run the plugin by hand to see what it prints' });
  }
  if (result.exitCode !== 0) {
    const stderr = result.stderr.trim().split('\n')[0]?.slice(0, 200) ?? '';
    throw new CliError('ERR_EXEC_PLUGIN', `exec: executable ${command} failed with exit code ${String(result.exitCode ?? result.signal)}${stderr ? `: ${stderr}` : ''}`, {
      // kubectl shows the plugin's stderr and the same words; the plugin knows why.
      // Not its args: a plugin may take a secret there (--client-secret), and nothing registers it.
      hint: `run the plugin by hand (${command} with the exec.args and exec.env of the kubeconfig) to see its whole error: usually its login has expired (log in again with its own tool), or it is not configured for this cluster or account`,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.stdout);
  } catch (cause) {
    throw new CliError('ERR_EXEC_PLUGIN', `${name} printed something that is not an ExecCredential JSON document`, { cause, hint: 'run the plugin by hand: it must print one ExecCredential JSON object on stdout, and its messages on stderr' });
  }
  const credential = execCredentialSchema.safeParse(parsed);
  if (!credential.success) {
    throw new CliError('ERR_EXEC_PLUGIN', `${name} returned a malformed ExecCredential: ${z.prettifyError(credential.error)}`, { hint: 'the plugin speaks another format than client.authentication.k8s.io ExecCredential: update it, or check exec.apiVersion' });
  }
  const { status, apiVersion: returned } = credential.data;
  if (returned !== apiVersion) {
    throw new CliError('ERR_EXEC_PLUGIN', `exec plugin is configured to use API version ${apiVersion}, plugin returned version ${returned ?? '(none)'}`, {
      hint: returned ? `set exec.apiVersion to ${returned} in the kubeconfig (or upgrade the plugin)` : 'the plugin printed no apiVersion: update it',
    });
  }
  if (!status) throw new CliError('ERR_EXEC_PLUGIN', "exec plugin didn't return a status field", { hint: 'run the plugin by hand: its ExecCredential has no status (token or client certificate)' });
  options.secrets.add(status.token);
  options.secrets.add(status.clientKeyData);
  if (status.token) {
    // A plugin may hand out a service-account token (EKS-style plugins do not; some CI ones do).
    const facts = await tokenFacts(status.token);
    const expiresAt = status.expirationTimestamp ? new Date(status.expirationTimestamp) : facts.expiresAt;
    return { bearer: { token: status.token, kind: 'exec', source: `${name} (${apiVersion.split('/')[1] ?? apiVersion})`, expiresAt, serviceAccountUser: facts.serviceAccountUser } };
  }
  if (status.clientCertificateData || status.clientKeyData) {
    if (!status.clientCertificateData || !status.clientKeyData) throw new CliError('ERR_EXEC_PLUGIN', 'exec plugin returned only certificate or key, not both', { hint: 'run the plugin by hand: a certificate needs its key in the same ExecCredential' });
    const problem = keyPairError(status.clientCertificateData, status.clientKeyData);
    if (problem !== undefined) {
      // exec.go refreshCredsLocked, in its words.
      throw new CliError('ERR_EXEC_PLUGIN', `${name}: failed parsing client key/certificate: ${problem}`, {
        hint: 'the plugin returned a clientCertificateData and clientKeyData that do not load as a pair (PEM text, the key belonging to the certificate): run the plugin by hand and check its output',
      });
    }
    return { clientCert: { certPem: status.clientCertificateData, keyPem: status.clientKeyData, source: name } };
  }
  throw new CliError('ERR_EXEC_PLUGIN', "exec plugin didn't return a token or cert/key pair", { hint: 'run the plugin by hand: it answered without a credential, which usually means it needs a login first' });
}
