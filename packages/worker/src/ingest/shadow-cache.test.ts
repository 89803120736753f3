import { describe, expect, it } from "vitest";
import { sentFromStored, sentKey, setSent, ShadowCache, storedSentJson, type CachedShadow, type DeviceSent } from "./shadow-cache";

const copy = (revision: string): CachedShadow => ({ revision, reachable: true, properties: {}, sent: new Map() });

describe("ShadowCache", () => {
  it("hands a copy out only for the revision the database holds, and holds none while it is out", () => {
    const cache = new ShadowCache();
    cache.set("d1", copy("10"));
    const taken = cache.take("d1", "10");
    expect(taken).toBeDefined();
    expect(cache.take("d1", "10")).toBeUndefined(); // out with the batch that locked the row
    cache.set("d1", { ...taken!, revision: "12" }); // back, as that batch committed it
    expect(cache.take("d1", "11")).toBeUndefined(); // someone else wrote the row since
    expect(cache.revisionOf("d1")).toBeUndefined(); // and the stale copy is gone
  });

  it("keeps at most maxDevices copies, dropping the least recently written first", () => {
    const cache = new ShadowCache(2);
    cache.set("a", copy("1"));
    cache.set("b", copy("2"));
    cache.set("a", copy("3")); // written again: now the newest
    cache.set("c", copy("4"));
    expect(cache.size).toBe(2);
    expect(cache.revisionOf("b")).toBeUndefined();
    expect([cache.revisionOf("a"), cache.revisionOf("c")]).toEqual(["3", "4"]);
    const none = new ShadowCache(0);
    none.set("a", copy("1"));
    expect(none.size).toBe(0);
  });

  it("hands out copies of a whole batch's rows only if it holds every one, and then holds none of them", () => {
    const cache = new ShadowCache();
    cache.set("a", copy("1"));
    cache.set("b", copy("2"));
    expect(cache.takeEvery(["a", "b", "c"])).toBeNull();
    expect(cache.size).toBe(2); // nothing taken
    expect(cache.takeEvery(["a", "b"])!.map((c) => c.revision)).toEqual(["1", "2"]);
    expect(cache.size).toBe(0);
  });

  it("reads what was last sent as stored in the row, partner and category apart", () => {
    const sent = sentFromStored({ [sentKey("google-home", "user.device.sensor.temperature")]: [1_700_000_000_000, { temperature: 21.5 }] });
    expect(sent.get("google-home")?.get("user.device.sensor.temperature")).toEqual({ at: 1_700_000_000_000, properties: { temperature: 21.5 } });
    expect(sentFromStored(null).size).toBe(0);
  });

  it("writes what was last sent whole, in the stored form it is read back from, using the ledger's text where it has it", () => {
    const sent: DeviceSent = new Map();
    expect(storedSentJson(sent)).toBe("{}");
    setSent(sent, "alexa", "user.device.sensor.temperature", { at: 1_700_000_000_000, properties: { temperature: 21.5 } });
    // The text the batch wrote to the ledger (canonical JSON) is the text stored, not made again.
    setSent(sent, "google-home", "user.device.sensor.setpoint", {
      at: 1_700_000_000_001,
      properties: { heatingSetpoint: 20, mode: "heat" },
      json: '{"heatingSetpoint":20,"mode":"heat"}',
    });
    setSent(sent, "google-home", 'odd "key"', { at: 1, properties: {} });
    const text = storedSentJson(sent);
    expect(text).toContain('[1700000000001,{"heatingSetpoint":20,"mode":"heat"}]');
    const back = sentFromStored(JSON.parse(text));
    expect(back.get("alexa")?.get("user.device.sensor.temperature")).toEqual({ at: 1_700_000_000_000, properties: { temperature: 21.5 } });
    expect(back.get("google-home")?.get("user.device.sensor.setpoint")).toEqual({ at: 1_700_000_000_001, properties: { heatingSetpoint: 20, mode: "heat" } });
    expect(back.get("google-home")?.get('odd "key"')).toEqual({ at: 1, properties: {} });
  });
});
