import { prepareTemplateDatabase } from "@proviso/db/testing";

export default async function setup() {
  await prepareTemplateDatabase();
}
