// The one place that imports undici. One HTTP/1.1 client per probe, fed the TLS (or plain) socket
// the tls stage already opened, so every request after the handshake reuses that connection; if
// the server closes it, `reconnect` dials again (through the same proxy, with the same checks).
// Redirects are never followed (undici's Client does not follow them), so credentials cannot leak.
import type { Socket } from 'node:net';
import { Client } from 'undici';

export interface ApiRequest {
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
  readonly body?: string | undefined;
  readonly signal: AbortSignal;
}

export interface ApiResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  readonly body: string;
}

export interface ApiClient {
  readonly request: (request: ApiRequest) => Promise<ApiResponse>;
  readonly close: () => Promise<void>;
}

const MAX_BODY_BYTES = 4 * 1024 * 1024;

export function createApiClient(origin: string, firstSocket: Socket, reconnect: () => Promise<Socket>): ApiClient {
  let pending: Socket | undefined = firstSocket;
  const client = new Client(origin, {
    pipelining: 1,
    connect: (_options, callback) => {
      const socket = pending;
      pending = undefined;
      if (socket !== undefined && !socket.destroyed) {
        // Asynchronously, as a real connector answers: undici ignores a resume while it is resuming.
        setImmediate(() => callback(null, socket));
        return;
      }
      reconnect().then(
        (fresh) => callback(null, fresh),
        (error: unknown) => callback(error instanceof Error ? error : new Error(String(error)), null),
      );
    },
  });
  return {
    request: async ({ method, path, headers, body, signal }) => {
      const response = await client.request({
        method,
        path,
        headers: { accept: 'application/json', 'user-agent': 'sa-kubeconfig-probe', ...headers } as Record<string, string | string[]>,
        ...(body === undefined ? {} : { body }),
        signal,
      });
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of response.body) {
        const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
        size += buffer.length;
        if (size <= MAX_BODY_BYTES) chunks.push(buffer);
      }
      return { status: response.statusCode, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') };
    },
    close: async () => {
      pending?.destroy();
      await client.destroy();
    },
  };
}
