// The embedded MQTT broker (Aedes), used when MQTT_URL is not set. Mosquitto replaces it in CI
// and in production; both speak the same protocol to the worker and the simulator.
import { Aedes } from "aedes";
import net from "node:net";
import { EmbeddedStartError, oneLine } from "./pglite-server";

export interface EmbeddedBroker {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export async function startEmbeddedBroker(opts: { port: number; host?: string }): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err) =>
      reject(new EmbeddedStartError(`the embedded MQTT broker could not listen on port ${opts.port}: ${oneLine(err)}`)),
    );
    server.listen(opts.port, opts.host ?? "127.0.0.1", () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: `mqtt://127.0.0.1:${port}`,
    port,
    async stop() {
      await new Promise<void>((resolve) => broker.close(() => resolve()));
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
