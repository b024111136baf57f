// Small HTTP(S) server plumbing shared by the emulators: loopback-only listeners on free ports,
// socket tracking so close() never leaves open handles, JSON replies and body reading.
import http from "node:http";
import https from "node:https";
import tls from "node:tls";
import type { AddressInfo, Socket } from "node:net";

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> | void;

export interface RunningServer {
  readonly port: number;
  /** `http://127.0.0.1:<port>` or `https://127.0.0.1:<port>` (no trailing slash). */
  readonly origin: string;
  close(): Promise<void>;
}

export interface TlsOptions {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Starts a server on 127.0.0.1 with an OS-assigned port; TLS when `tls` is given. */
export async function startServer(handler: Handler, tls?: TlsOptions): Promise<RunningServer> {
  const sockets = new Set<Socket>();
  const wrapped = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    Promise.resolve()
      .then(() => handler(req, res))
      .catch((err: unknown) => {
        if (!res.headersSent) {
          sendJson(res, 500, {
            error: {
              code: "InternalError",
              message: err instanceof Error ? err.message : String(err),
            },
          });
        } else {
          res.destroy();
        }
      });
  };
  const server: http.Server = tls
    ? https.createServer({ cert: tls.certPem, key: tls.keyPem }, wrapped)
    : http.createServer(wrapped);
  server.keepAliveTimeout = 1000;
  server.on(tls ? "secureConnection" : "connection", (socket: Socket) => {
    sockets.add(socket);
    socket.on("close", () => sockets.delete(socket));
  });
  if (tls) {
    // Plain TCP sockets that never finish the handshake must be tracked too.
    server.on("connection", (socket: Socket) => {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  let closing: Promise<void> | undefined;
  return {
    port,
    origin: `${tls ? "https" : "http"}://127.0.0.1:${port}`,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) {
          socket.destroy();
        }
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

export function sendJson(
  res: http.ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(text).toString(),
    "Cache-Control": "no-store",
    ...headers,
  });
  res.end(text);
}

/** Reads the request body as UTF-8 text, refusing bodies over `limit` bytes. */
export async function readBody(req: http.IncomingMessage, limit = 1024 * 1024): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += buf.length;
    if (size > limit) {
      throw new Error(`request body exceeds ${limit} bytes`);
    }
    chunks.push(buf);
  }
  return Buffer.concat(chunks).toString("utf8");
}

/** The request URL parsed against a dummy base (only path and query are meaningful). */
export function requestUrl(req: http.IncomingMessage): URL {
  return new URL(req.url ?? "/", "http://emulator.invalid");
}

/**
 * One TLS context per trusted CA: building one parses the CA (and Node's defaults) each time, and
 * the Entra emulator fetches an issuer's keys for every federated token request. tls.connect uses a
 * given `secureContext` instead of building one from the options (Node 20 docs, tls.connect
 * options.secureContext); the server's identity is checked as before.
 */
const secureContexts = new Map<string, tls.SecureContext>();

/**
 * A new connection per request (no keep-alive, so no socket outlives its request), resuming the TLS
 * session of an earlier one to the same host and port: https.Agent caches up to maxCachedSessions
 * sessions (Node 20 docs, https.Agent) and a resumed handshake skips the server's RSA signature. A
 * session the server does not know (another emulator on a reused port) is a full handshake.
 */
const sessionAgent = new https.Agent({ keepAlive: false });

/** GET over HTTPS trusting only `caPem`; resolves with status and parsed JSON body. */
export function fetchJsonTls(
  url: string,
  caPem: string,
): Promise<{ status: number; body: unknown }> {
  let secureContext = secureContexts.get(caPem);
  if (secureContext === undefined) {
    secureContext = tls.createSecureContext({ ca: caPem });
    secureContexts.clear(); // one CA per emulator start: keep only the newest
    secureContexts.set(caPem, secureContext);
  }
  // https.request hands its options to tls.connect (the typings omit secureContext).
  const options: https.RequestOptions & Pick<tls.ConnectionOptions, "secureContext"> = {
    secureContext,
    agent: sessionAgent,
    timeout: 5000,
  };
  return new Promise((resolve, reject) => {
    const req = https.get(url, options, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        try {
          resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown });
        } catch {
          resolve({ status: res.statusCode ?? 0, body: text });
        }
      });
      res.on("error", reject);
    });
    req.on("timeout", () => req.destroy(new Error(`timeout fetching ${url}`)));
    req.on("error", reject);
  });
}
