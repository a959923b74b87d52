// The service-account mount (/var/run/secrets/kubernetes.io/serviceaccount) and the in-cluster
// server URL, as client-go's rest.InClusterConfig reads them (rest/config.go), but validated:
// client-go sends an untrimmed token and silently drops a bad CA; we say what is wrong.
import type { Stats } from 'node:fs';
import { join, resolve } from 'node:path';
import { resolveParentSegments } from '../file-path.js';
import type { Deps } from '../deps.js';
import { CliError, describeErrno, errnoCode, isCliError } from '../errors.js';
import { describeCertificateProblem } from './certificate.js';

export const DEFAULT_SA_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
export const DEFAULT_IN_CLUSTER_SERVER = 'https://kubernetes.default.svc';
/** Real tokens are 1–2 KiB; anything this big is not a token (and would not fit an HTTP header). */
export const MAX_TOKEN_BYTES = 64 * 1024;
const MAX_CA_BYTES = 4 * 1024 * 1024;
const MOUNT_HINT = 'run inside a pod with automountServiceAccountToken enabled, or pass --sa-dir DIR';

export interface ServiceAccountMount {
  readonly dir: string;
  readonly token: string;
  readonly tokenPath: string;
  readonly caPem: string;
  readonly caPath: string;
  readonly caCertificates: number;
  /** undefined when the namespace file is missing. */
  readonly namespace?: string;
}

export async function readServiceAccountDir(deps: Pick<Deps, 'fs' | 'cwd' | 'uid'>, dir: string): Promise<ServiceAccountMount> {
  const absolute = await absoluteMountDir(deps, dir);
  try {
    const stat = await deps.fs.stat(absolute);
    if (!stat.isDirectory()) throw new CliError('ERR_SA_DIR_MISSING', `service-account mount ${absolute} is not a directory`, { hint: MOUNT_HINT });
  } catch (error) {
    if (isCliError(error)) throw error;
    throw new CliError('ERR_SA_DIR_MISSING', `no service-account mount at ${absolute}: ${describeErrno(error)}`, { hint: isPermissionError(error) ? `a directory on the way to it is not searchable for ${describeUser(deps.uid)}` : MOUNT_HINT, cause: error });
  }
  const tokenPath = join(absolute, 'token');
  const caPath = join(absolute, 'ca.crt');
  const token = validateToken(await readMountFile(deps, tokenPath, 'ERR_SA_TOKEN_MISSING', 'service-account token', MAX_TOKEN_BYTES), tokenPath);
  const caPem = await readMountFile(deps, caPath, 'ERR_SA_CA_MISSING', 'service-account CA', MAX_CA_BYTES);
  const caCertificates = validateCaBundle(caPem, caPath);
  let namespace: string | undefined;
  try {
    namespace = validateNamespace((await deps.fs.readFile(join(absolute, 'namespace'), 'utf8')).trim(), join(absolute, 'namespace'));
  } catch (error) {
    if (isCliError(error)) throw error;
    if (errnoCode(error) !== 'ENOENT') {
      throw new CliError('ERR_SA_NAMESPACE_INVALID', `cannot read ${join(absolute, 'namespace')}: ${describeErrno(error)}`, { cause: error });
    }
  }
  return { dir: absolute, token, tokenPath, caPem, caPath, caCertificates, ...(namespace === undefined ? {} : { namespace }) };
}

/**
 * The mount's absolute path as the kernel finds it: `link/../sa`, with link a symlink, is the sa
 * beside what link points at, which path.resolve's folding by text would miss (and the
 * tokenFile written would name another file). Up to its last `..` it is resolved with
 * realpath; without one it is folded by text, so the usual /var/run/… path is written as it is
 * (realpath would write /run/… where /var/run is a link).
 */
async function absoluteMountDir(deps: Pick<Deps, 'fs' | 'cwd'>, dir: string): Promise<string> {
  try {
    return resolve(deps.cwd, await resolveParentSegments(deps.fs, deps.cwd, dir));
  } catch {
    // Not there: the stat below says so, for the path as given.
    return resolve(deps.cwd, dir);
  }
}

async function readMountFile(
  deps: Pick<Deps, 'fs' | 'uid'>,
  path: string,
  code: 'ERR_SA_TOKEN_MISSING' | 'ERR_SA_CA_MISSING',
  what: string,
  maxBytes: number,
): Promise<string> {
  let stat: Stats | undefined;
  try {
    stat = await deps.fs.stat(path);
    // A FIFO or device would block or never end; the kubelet writes regular files.
    if (!stat.isFile()) throw new CliError(code, `cannot read ${what} ${path}: ${stat.isDirectory() ? 'is a directory' : 'not a regular file'}`, { hint: MOUNT_HINT });
    if (stat.size > maxBytes) {
      throw new CliError(code === 'ERR_SA_TOKEN_MISSING' ? 'ERR_SA_TOKEN_INVALID' : 'ERR_SA_CA_INVALID', `${what} ${path} is ${stat.size} bytes, larger than the ${maxBytes}-byte limit`);
    }
    return await deps.fs.readFile(path, 'utf8');
  } catch (error) {
    if (isCliError(error)) throw error;
    // There, but not for us: a container running as another user than the one the kubelet
    // made the files for (a projected token is 0600 and owned by the pod's runAsUser when every
    // container sets the same one and the pod has no fsGroup).
    const hint = !isPermissionError(error) ? MOUNT_HINT : stat === undefined ? `a directory on the way to it is not searchable for ${describeUser(deps.uid)}` : `it is mode ${octalMode(stat.mode)}, owned by uid ${stat.uid} and gid ${stat.gid}, and this process runs as ${describeUser(deps.uid)}: run as uid ${stat.uid} (securityContext.runAsUser), or give the pod a securityContext.fsGroup so that the mount is readable by that group`;
    throw new CliError(code, `cannot read ${what} ${path}: ${describeErrno(error)}`, { hint, cause: error });
  }
}

function isPermissionError(error: unknown): boolean {
  const code = errnoCode(error);
  return code === 'EACCES' || code === 'EPERM';
}

function describeUser(uid: number | undefined): string {
  return uid === undefined ? 'this user' : `uid ${uid}`;
}

function octalMode(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}

/**
 * Go's strings.TrimSpace, with which client-go's file token source trims a token file
 * (transport/token_source.go): Unicode white space at both ends. Not String.prototype.trim,
 * which also removes U+FEFF (a byte-order mark, which Go keeps and sends) and keeps U+0085.
 */
export function trimGoSpace(text: string): string {
  // Index loops, not a regular expression: `[…]+$` backtracks on a long run of white space that
  // does not reach the end (quadratic: seconds for a 64 KiB file).
  let start = 0;
  let end = text.length;
  while (start < end && isGoSpace(text.charCodeAt(start))) start += 1;
  while (end > start && isGoSpace(text.charCodeAt(end - 1))) end -= 1;
  return start === 0 && end === text.length ? text : text.slice(start, end);
}

/** Go's unicode.IsSpace: the Latin-1 spaces and NEL, and Unicode's White_Space (all in the BMP). */
function isGoSpace(code: number): boolean {
  if (code <= 0x20) return code === 0x20 || (code >= 0x09 && code <= 0x0d);
  if (code < 0x85) return false;
  return code === 0x85 || code === 0xa0 || code === 0x1680 || (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f || code === 0x205f || code === 0x3000;
}

/**
 * The first character of a token that is not visible ASCII, described without the token
 * (position and code point), or undefined. A bearer token is visible ASCII (RFC 6750); Go's
 * net/http refuses a control character in a header, and sends anything else as it is, which the
 * API server then refuses (401): a byte-order mark from an editor's "UTF-8 with BOM" does that.
 */
export function describeNonTokenCharacter(token: string): string | undefined {
  if (/^[\x21-\x7e]*$/.test(token)) return undefined;
  for (let index = 0; index < token.length; index += 1) {
    const code = token.codePointAt(index) as number;
    if (code >= 0x21 && code <= 0x7e) continue;
    const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
    const what = code === 0xfeff ? `a byte-order mark (${hex})` : code < 0x20 || code === 0x7f || (code >= 0x80 && code < 0xa0) ? `the control character ${hex}` : /\s/u.test(String.fromCodePoint(code)) ? `the white space ${hex}` : `the non-ASCII character ${hex}`;
    return `${what} at position ${index + 1} of ${token.length}`;
  }
  return undefined;
}

/**
 * White space inside an already trimmed token: not one token. U+FEFF is white space to \s, not to
 * Go; describeNonTokenCharacter names it as what it is.
 */
export function hasInnerWhiteSpace(token: string): boolean {
  return /(?!\uFEFF)\s/.test(token);
}

/** Trimmed as client-go trims it (trimGoSpace), non-empty, one word of visible ASCII. */
export function validateToken(raw: string, source: string): string {
  const token = trimGoSpace(raw);
  if (token === '') throw new CliError('ERR_SA_TOKEN_INVALID', `service-account token ${source} is empty`, { hint: 'the kubelet has not written a token yet, or the mount is wrong' });
  if (token.startsWith('\uFEFF')) {
    throw new CliError('ERR_SA_TOKEN_INVALID', `service-account token ${source} starts with a byte-order mark (U+FEFF)`, {
      hint: 'the file was saved as "UTF-8 with BOM": kubectl would send the mark as part of the token, and the API server would refuse it; write the token without it',
    });
  }
  if (hasInnerWhiteSpace(token)) {
    throw new CliError('ERR_SA_TOKEN_INVALID', `service-account token ${source} contains whitespace inside it`, {
      hint: 'a token is one line without spaces; was something else written into the file?',
    });
  }
  if (!/^[\x21-\x7e]+$/.test(token)) {
    throw new CliError('ERR_SA_TOKEN_INVALID', `service-account token ${source} contains bytes that cannot appear in an HTTP header (${describeNonTokenCharacter(token) ?? 'unknown'})`);
  }
  return token;
}

/**
 * Every PEM block must be a whole X.509 certificate (certificate.ts), and there must be at least
 * one. Stricter than client-go on purpose: its certutil.ParseCertsPEM skips blocks of other types
 * and stops at a block without its END line, so a CA file that also holds a private key, or whose
 * last certificate was cut off in a copy, loads with what it could read and fails later at the
 * TLS handshake (or leaks the key). The kubelet writes certificates only.
 */
export function validateCaBundle(pem: string, source: string): number {
  const begins = [...pem.matchAll(/-----BEGIN ([^\r\n]*?)-----/g)];
  if (begins.length === 0) {
    throw new CliError('ERR_SA_CA_INVALID', `${source} holds no PEM certificate`, { hint: 'expected one or more "-----BEGIN CERTIFICATE-----" blocks' });
  }
  begins.forEach((begin, index) => {
    const type = begin[1] ?? '';
    const which = `PEM block ${index + 1} of ${begins.length}`;
    if (type !== 'CERTIFICATE') {
      throw new CliError('ERR_SA_CA_INVALID', `${source}: ${which} is ${JSON.stringify(type.slice(0, 40))}, not a certificate`, {
        hint: 'a CA bundle holds certificates only; is this the right file?',
      });
    }
    const start = begin.index ?? 0;
    const end = pem.indexOf('-----END CERTIFICATE-----', start);
    const next = begins[index + 1]?.index ?? pem.length;
    if (end === -1 || end > next) {
      throw new CliError('ERR_SA_CA_INVALID', `${source}: certificate ${index + 1} of ${begins.length} is cut off (no "-----END CERTIFICATE-----" line)`, {
        hint: 'the file is incomplete; copy it again',
      });
    }
    const problem = describeCertificateProblem(pem.slice(start, end + '-----END CERTIFICATE-----'.length));
    if (problem !== undefined) {
      throw new CliError('ERR_SA_CA_INVALID', `${source}: certificate ${index + 1} of ${begins.length} is not a valid X.509 certificate (${problem})`);
    }
  });
  return begins.length;
}

/**
 * A Secret's or a ServiceAccount's name, as the API server validates it (a DNS subdomain:
 * ValidateSecretName, ValidateServiceAccountName). Checked before kubectl runs: a name such as
 * `Bad Name` would come back as a NotFound for `Bad%20Name`, and one starting with `-` would
 * reach kubectl as a flag.
 */
export function validateObjectName(name: string, what: string): string {
  if (name.length > 253 || !/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(name)) {
    throw new CliError('ERR_BAD_NAME', `${what} name ${JSON.stringify(name.slice(0, 80))} is not a valid Kubernetes name`, {
      hint: 'lower-case letters, digits, "-" and ".", starting and ending with a letter or digit (at most 253 characters)',
    });
  }
  return name;
}

/**
 * A namespace is a DNS label (client-go validateContext: "does not conform to the kubernetes
 * DNS_LABEL rules"). From a flag it is a usage error (exit 2); from the mount or the environment,
 * bad local input (exit 3).
 */
export function validateNamespace(namespace: string, source: string, code: 'ERR_SA_NAMESPACE_INVALID' | 'ERR_BAD_FLAG_VALUE' = 'ERR_SA_NAMESPACE_INVALID'): string {
  if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(namespace)) {
    throw new CliError(code, `namespace "${namespace.slice(0, 80)}" from ${source} is not a valid DNS label`);
  }
  return namespace;
}

/**
 * client-go inClusterClientConfig.Possible(): both variables and a token file at the fixed mount
 * path. kubectl (and so the from-* flows, and a probe without a current context) falls back to the
 * in-cluster config only then.
 */
export async function inClusterPossible(deps: Pick<Deps, 'env' | 'fs'>): Promise<boolean> {
  return (await whyNotInCluster(deps)) === undefined;
}

/** Why inClusterPossible is false, for messages; undefined when it is true. */
export async function whyNotInCluster(deps: Pick<Deps, 'env' | 'fs'>): Promise<string | undefined> {
  if (!deps.env['KUBERNETES_SERVICE_HOST']) return 'KUBERNETES_SERVICE_HOST is not set';
  if (!deps.env['KUBERNETES_SERVICE_PORT']) return 'KUBERNETES_SERVICE_PORT is not set';
  const token = `${DEFAULT_SA_DIR}/token`;
  try {
    if (!(await deps.fs.stat(token)).isDirectory()) return undefined;
  } catch {
    /* missing or unreadable: as client-go's os.Stat error */
  }
  return `no service-account token is mounted at ${token} (is automountServiceAccountToken off?)`;
}

/**
 * rest.InClusterConfig: "https://" + net.JoinHostPort(KUBERNETES_SERVICE_HOST, KUBERNETES_SERVICE_PORT),
 * an IPv6 host in brackets; without both variables, the service DNS name. Always https (unlike the
 * JS client, which switches to http on ports 80/8080/8001).
 */
export function inClusterServerUrl(env: Readonly<Record<string, string | undefined>>): string {
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) return DEFAULT_IN_CLUSTER_SERVER;
  // net.JoinHostPort brackets a host containing ':' (an IPv6 literal; no DNS name has one).
  // Not node:net's isIP: loading node:net costs more start-up than the rest of init's work.
  const bracketed = host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
  return `https://${bracketed}:${port}`;
}

/**
 * init's default server: inClusterServerUrl, checked as a --server URL, but a bad value is bad local
 * input (exit 3) naming the variables, not a usage error about a flag nobody gave. client-go's
 * InClusterConfig fails on it too (url.Parse: `invalid port ":abc" after host`).
 */
export function validateInClusterServerUrl(env: Readonly<Record<string, string | undefined>>, options: ServerUrlOptions): { readonly url: string; readonly insecureHttp: boolean } {
  const url = inClusterServerUrl(env);
  const host = env['KUBERNETES_SERVICE_HOST'];
  const port = env['KUBERNETES_SERVICE_PORT'];
  if (!host || !port) return validateServerUrl(url, options);
  const variables = `KUBERNETES_SERVICE_HOST=${JSON.stringify(host.slice(0, 80))}, KUBERNETES_SERVICE_PORT=${JSON.stringify(port.slice(0, 80))}`;
  const hint = 'the kubelet sets both in a pod; fix or unset them, or pass --server URL';
  if (!/^\d{1,5}$/.test(port) || Number(port) < 1 || Number(port) > 65535) {
    throw new CliError('ERR_CONFIG_INVALID', `in-cluster server from the environment: KUBERNETES_SERVICE_PORT is not a port number (${variables})`, { hint });
  }
  try {
    return validateServerUrl(url, options);
  } catch (error) {
    const reason = isCliError(error) ? error.message : String(error);
    throw new CliError('ERR_CONFIG_INVALID', `in-cluster server from the environment is not usable (${variables}): ${reason}`, { hint, cause: error });
  }
}

export interface ServerUrlOptions {
  readonly allowInsecureHttp: boolean;
  /** The flag that allows http, named in the hint; undefined when the command has none. */
  readonly insecureFlag?: string | undefined;
}

/**
 * The authority (host[:port]) of an http(s) URL written as kubectl reads it: the scheme (any case),
 * then literally "//", then the text up to the first "/", "?" or "#"; undefined when the text does
 * not start that way. Go's url.Parse finds a host only after "//" (unlike the WHATWG parser, which
 * repairs "https:host" and "https:\\host"), and refuses a backslash in a host.
 */
export function serverUrlAuthority(text: string): string | undefined {
  return /^[hH][tT][tT][pP][sS]?:\/\/([^/?#]*)/.exec(text)?.[1];
}

// No /i flag in this file's regular expressions: on init's path, the first case-insensitive
// regexp cost 0.9M instructions of start-up (callgrind), V8 setting up case folding.

/** The URL with anything before an `@` in its authority (user:password) replaced, for messages. */
export function redactUserinfo(text: string): string {
  const match = /^([A-Za-z][A-Za-z0-9+.-]*:\/{0,2})[^/?#]*@/.exec(text);
  return match ? `${match[1] ?? ''}REDACTED@${text.slice(match[0].length)}` : text;
}

/** Checks a --server URL: https only (http only when explicitly allowed), no credentials, query or fragment. */
export function validateServerUrl(server: string, options: ServerUrlOptions): { readonly url: string; readonly insecureHttp: boolean } {
  // The WHATWG parser silently drops tabs and newlines ("https://a\nhttps://b" parses), but the
  // string is written as given: refuse them (and other control characters) instead.
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  if (/[\s\u0000-\u001f\u007f]/.test(server.trim())) {
    throw new CliError('ERR_BAD_SERVER_URL', `server ${JSON.stringify(redactUserinfo(server.trim()))} contains whitespace or control characters`, { hint: 'use the form https://host:port' });
  }
  const text = server.trim();
  // Credentials first, before any message quotes the URL: `https:admin:pw@host`, and any other
  // spelling (a password may hold "/", "?" or "#"): an API server URL has no use for an "@".
  if (text.includes('@')) {
    throw new CliError('ERR_BAD_SERVER_URL', 'server URL must not carry credentials (user:password@)', { hint: 'credentials go in the user entry, never in the URL' });
  }
  const authority = serverUrlAuthority(text);
  if (authority === undefined && /^[hH][tT][tT][pP][sS]?:/.test(text)) {
    // The WHATWG parser takes "https:host:port" and "https:/host:port" as https://host:port, but
    // kubectl (Go's url.Parse) reads a host only after "//": "lookup https:host: no such host".
    throw new CliError('ERR_BAD_SERVER_URL', `server "${text}" must start with ${text.slice(0, 5).toLowerCase() === 'http:' ? 'http' : 'https'}:// (kubectl reads the host only after "//")`, {
      hint: 'use the form https://host:port',
    });
  }
  if (authority === '') throw new CliError('ERR_BAD_SERVER_URL', `server "${text}" has no host after "//"`, { hint: 'use the form https://host:port' });
  if (authority?.includes('\\')) {
    throw new CliError('ERR_BAD_SERVER_URL', `server "${text}" has a backslash in its host (kubectl refuses it)`, { hint: 'use the form https://host:port' });
  }
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError('ERR_BAD_SERVER_URL', `server "${redactUserinfo(text)}" is not a URL`, { hint: 'use the form https://host:port' });
  }
  if (url.username || url.password) {
    throw new CliError('ERR_BAD_SERVER_URL', 'server URL must not carry credentials (user:password@)', { hint: 'credentials go in the user entry, never in the URL' });
  }
  if (url.search || url.hash) throw new CliError('ERR_BAD_SERVER_URL', `server URL "${url.origin}${url.pathname}…" must not have a query or fragment`);
  if (url.protocol === 'http:') {
    if (!options.allowInsecureHttp) {
      throw new CliError('ERR_BAD_SERVER_URL', `server ${url.origin} is plain http; kubectl would send no credentials to it`, {
        hint: options.insecureFlag === undefined ? 'use https://' : `use https://, or pass ${options.insecureFlag} if you really mean it`,
      });
    }
  } else if (url.protocol !== 'https:') {
    throw new CliError('ERR_BAD_SERVER_URL', `server "${server}" must be an https:// URL`, { hint: 'use the form https://host:port' });
  }
  // Written as given (kubectl keeps the string too; URL.href would drop an explicit :443).
  return { url: server.trim(), insecureHttp: url.protocol === 'http:' };
}
