import http from "node:http";
import https from "node:https";
import type { Duplex } from "node:stream";
import tls from "node:tls";

/**
 * HTTP(S) agents that reach IAM through an HTTP proxy by CONNECT tunnelling. The project ships no
 * proxy-agent package, and Node 20's own agents cannot use a proxy, so this is the few lines needed:
 * open a tunnel, then speak TLS (or plain HTTP, for an emulator endpoint) inside it.
 */

type Callback = (err: Error | null, stream: Duplex) => void;

function tunnel(proxy: URL, host: string, port: number, done: (err: Error | null, socket?: Duplex) => void): void {
  const target = `${host.includes(":") ? `[${host}]` : host}:${port}`;
  const headers: Record<string, string> = { host: target };
  if (proxy.username) {
    const creds = `${decodeURIComponent(proxy.username)}:${decodeURIComponent(proxy.password)}`;
    headers["proxy-authorization"] = `Basic ${Buffer.from(creds).toString("base64")}`;
  }
  const request = (proxy.protocol === "https:" ? https : http).request({
    host: proxy.hostname.replace(/^\[|\]$/g, ""),
    port: proxy.port || (proxy.protocol === "https:" ? 443 : 80),
    method: "CONNECT",
    path: target,
    headers,
    agent: false,
  });
  request.once("connect", (res, socket) => {
    if (res.statusCode === 200) return done(null, socket);
    socket.destroy();
    // The proxy's answer, not the request: the Proxy-Authorization header must not reach a log.
    const err = Object.assign(new Error(`proxy refused CONNECT ${target} with HTTP ${res.statusCode}`), {
      code: "ECONNREFUSED",
    });
    done(err);
  });
  request.once("error", (err) => done(err));
  request.end();
}

function hostPort(options: http.ClientRequestArgs, defaultPort: number): { host: string; port: number } {
  return { host: options.hostname ?? options.host ?? "localhost", port: Number(options.port ?? defaultPort) };
}

class TunnellingHttpsAgent extends https.Agent {
  constructor(
    private readonly proxy: URL,
    options?: https.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: https.RequestOptions, callback?: Callback): Duplex | null | undefined {
    const { host, port } = hostPort(options, 443);
    tunnel(this.proxy, host, port, (err, socket) => {
      if (err || !socket) return callback?.(err ?? new Error("proxy tunnel failed"), undefined as never);
      const secure = tls.connect({
        ...(options as tls.ConnectionOptions),
        socket,
        servername: options.servername ?? host,
      });
      callback?.(null, secure);
    });
    return undefined;
  }
}

class TunnellingHttpAgent extends http.Agent {
  constructor(
    private readonly proxy: URL,
    options?: http.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: http.ClientRequestArgs, callback?: Callback): Duplex | null | undefined {
    const { host, port } = hostPort(options, 80);
    tunnel(this.proxy, host, port, (err, socket) => {
      if (err || !socket) return callback?.(err ?? new Error("proxy tunnel failed"), undefined as never);
      callback?.(null, socket);
    });
    return undefined;
  }
}

export function proxyAgents(proxyUrl: string): { httpAgent: http.Agent; httpsAgent: https.Agent } {
  const proxy = new URL(proxyUrl);
  return {
    httpAgent: new TunnellingHttpAgent(proxy, { keepAlive: true }),
    httpsAgent: new TunnellingHttpsAgent(proxy, { keepAlive: true }),
  };
}
