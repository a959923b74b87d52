// HTTP/1.1 over the connection the tls stage already opened, so every request after the handshake
// reuses it; if the server closes it, `reconnect` dials again (same proxy, same checks).
// Redirects are never followed (node:http does not follow them), so credentials cannot leak.
//
// Why node:http and not undici: measured here, undici's import plus its WebAssembly HTTP parser cost
// ~0.7 s at start and ~0.7 s more at process exit (V8 finishing the wasm compile) on a loaded
// 2-core machine, which alone breaks the "at most 2× kubectl" target of issue 4; node:http's
// parser is native. The keep-alive Agent below gives the same one-connection reuse.
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';

export interface ApiRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string | undefined;
  readonly signal: AbortSignal;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Readonly<IncomingHttpHeaders>;
  readonly body: string;
}

export interface ApiClient {
  readonly request: (request: ApiRequest) => Promise<ApiResponse>;
  readonly close: () => Promise<void>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export function createApiClient(origin: string, firstSocket: Socket, reconnect: () => Promise<Socket>): ApiClient {
  const url = new URL(origin);
  const defaultPort = url.protocol === 'https:' ? '443' : '80';
  // Go's Host header: host[:port], the port only when it is not the scheme's default.
  const hostHeader = url.port === '' || url.port === defaultPort ? url.hostname : url.host;
  let pending: Socket | undefined = firstSocket;
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  // Agent.createSocket uses a returned socket at once, or waits for the callback.
  (agent as unknown as { createConnection: (options: unknown, callback: (error: Error | null, socket?: Socket) => void) => Socket | undefined }).createConnection = (
    _options,
    callback,
  ) => {
    const socket = pending;
    pending = undefined;
    if (socket !== undefined && !socket.destroyed) return socket;
    reconnect().then(
      (fresh) => callback(null, fresh),
      (error: unknown) => callback(error instanceof Error ? error : new Error(String(error))),
    );
    return undefined;
  };
  return {
    request: ({ method, path, headers, body, signal }) =>
      new Promise<ApiResponse>((resolve, reject) => {
        const outgoing: Record<string, string | string[]> = { host: hostHeader, accept: 'application/json', 'user-agent': 'sa-kubeconfig-probe' };
        for (const [name, value] of Object.entries(headers)) outgoing[name] = typeof value === 'string' ? value : [...value];
        if (body !== undefined) outgoing['content-length'] = String(Buffer.byteLength(body));
        const req = httpRequest({ agent, host: url.hostname, port: url.port || defaultPort, method, path, headers: outgoing, setHost: false, signal }, (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size <= MAX_BODY_BYTES) chunks.push(chunk);
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        });
        req.on('error', reject);
        req.end(body);
      }),
    close: () => {
      pending?.destroy();
      agent.destroy();
      return Promise.resolve();
    },
  };
}
