// Child process started by the launcher: the embedded MQTT broker.
import { startEmbeddedBroker } from "../mqtt-broker";

const port = Number(process.env.MQTT_PORT ?? 1883);
const broker = await startEmbeddedBroker({ port }).catch((err: Error) => {
  console.error(err.message);
  process.exit(2);
});
console.log(`embedded MQTT broker on 127.0.0.1:${broker.port}`);
process.send?.({ type: "ready", url: broker.url });

let stopping = false;
async function stop() {
  if (stopping) return;
  stopping = true;
  await broker.stop();
  process.exit(0);
}
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
process.on("disconnect", stop);
