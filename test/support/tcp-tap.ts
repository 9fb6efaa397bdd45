import { connect, createServer, type Server, type Socket } from "node:net";

/**
 * A TCP relay on loopback that counts what the server sends: fault tests watch a read make progress
 * (bytes of search results relayed) and strike in the middle of it, not at a guessed moment.
 */
export interface TcpTap {
  url: string;
  /** Bytes relayed from the server to clients so far. */
  readonly received: number;
  close(): Promise<void>;
}

export async function tcpTap(target: { host: string; port: number }, scheme = "ldap"): Promise<TcpTap> {
  let received = 0;
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = connect(target.port, target.host);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on("close", () => sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    upstream.on("data", (chunk: Buffer) => {
      received += chunk.length;
    });
    client.pipe(upstream);
    upstream.pipe(client);
    upstream.on("close", () => client.destroy());
    client.on("close", () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `${scheme}://127.0.0.1:${port}`,
    get received() {
      return received;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
