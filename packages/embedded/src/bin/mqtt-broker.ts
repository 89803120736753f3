// Child process started by the launcher: the embedded MQTT broker.
import { startEmbeddedBroker } from "../mqtt-broker";

const port = Number(process.env.MQTT_PORT ?? 1883);
// Access control whenever the launcher gives an admin: no one connects without a client of it.
const admin = process.env.MQTT_ADMIN_PASSWORD
  ? { username: process.env.MQTT_ADMIN_USERNAME || "proviso-admin", password: process.env.MQTT_ADMIN_PASSWORD }
  : null;
const access = admin ? { admin, file: process.env.MQTT_ACCESS_FILE || null } : null;
const broker = await startEmbeddedBroker({ port, access }).catch((err: Error) => {
  console.error(err.message);
  process.exit(2);
});
console.log(`embedded MQTT broker on 127.0.0.1:${broker.port}${access ? " (dynamic-security access control)" : " (no access control)"}`);
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
