// Small helpers for tests that talk to the emulated API server directly (node:https, no undici) or
// run the real kubectl against it. Node built-ins only.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiServer } from './apiserver.js';
import type { KeyPairPem } from './certs.js';

export interface ApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly text: string;
  /** Parsed JSON body, or undefined when the body is not JSON. */
  readonly json: Record<string, unknown> | undefined;
}

export interface ApiRequestOptions {
  readonly method?: string;
  /** Path (and query) relative to server.url, e.g. '/api/v1/namespaces/team-a/pods'. */
  readonly path: string;
  readonly token?: string;
  /** Present a client certificate (e.g. server.pki.admin). */
  readonly clientCert?: KeyPairPem;
  /** JSON-serialised unless a Buffer (sent as-is). */
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
  /** CA to trust; default server.caPem. */
  readonly ca?: string;
  /** TLS SNI / name checked against the certificate; default the URL host. */
  readonly servername?: string;
}

/** One HTTPS request to the server with certificate verification on. Rejects on TLS/network errors. */
export async function requestApi(server: Pick<ApiServer, 'url' | 'caPem'>, o: ApiRequestOptions): Promise<ApiResponse> {
  const url = new URL(server.url + o.path);
  const body = o.body === undefined ? undefined : Buffer.isBuffer(o.body) ? o.body : Buffer.from(JSON.stringify(o.body));
  const headers: Record<string, string> = {
    Accept: 'application/json',
    ...(body && !Buffer.isBuffer(o.body) ? { 'Content-Type': 'application/json' } : {}),
    ...(o.token !== undefined ? { Authorization: `Bearer ${o.token}` } : {}),
    ...o.headers,
  };
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        method: o.method ?? (body ? 'POST' : 'GET'),
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port,
        path: url.pathname + url.search,
        headers,
        ca: o.ca ?? server.caPem,
        ...(o.servername ? { servername: o.servername } : {}),
        ...(o.clientCert ? { cert: o.clientCert.cert, key: o.clientCert.key } : {}),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> | undefined;
          try {
            const parsed: unknown = JSON.parse(text);
            json = typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error('request timed out')));
    req.end(body);
  });
}

export interface KubectlResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** A temp dir removed by the returned cleanup. */
export function makeTempDir(prefix = 'sa-kubeconfig-'): { readonly dir: string; readonly cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/**
 * Runs the real kubectl (async: the emulated server lives in this process, so a synchronous spawn
 * would deadlock its TLS handshake) with an explicit env: PATH, HOME (isolates kubectl's cache)
 * and KUBECONFIG; nothing else from the parent.
 */
export async function runKubectl(
  args: readonly string[],
  o: { readonly kubeconfig: string; readonly home: string; readonly stdin?: string; readonly kubectl?: string; readonly path?: string; readonly timeoutMs?: number },
): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(o.kubectl ?? '/usr/bin/kubectl', [...args], {
      env: { PATH: o.path ?? '/usr/local/bin:/usr/bin:/bin', HOME: o.home, KUBECONFIG: o.kubeconfig },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString('utf8')));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 30_000);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(o.stdin ?? '');
  });
}

/** Writes server.kubeconfig(auth) to dir/name with mode 0600 and returns its path. */
export function writeKubeconfig(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}
