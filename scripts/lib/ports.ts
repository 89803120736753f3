import net from "node:net";

/** Resolves when `port` can be bound on `host`; rejects with a one-line reason otherwise. */
export function assertPortFree(port: number, what: string, envVar: string, host = "127.0.0.1"): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        new Error(
          err.code === "EADDRINUSE"
            ? `port ${port} (${what}) is already in use: stop whatever uses it, or set ${envVar} to another port`
            : `port ${port} (${what}) cannot be used: ${err.message}`,
        ),
      ),
    );
    server.listen(port, host, () => server.close(() => resolve()));
  });
}
