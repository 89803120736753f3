// Who may connect to the embedded broker and what each may do: a stand-in for Mosquitto's
// dynamic-security plugin with its model (clients with a username, a password and optionally a
// bound client id; roles holding ACLs; a default per ACL type) and its control API, so Proviso
// provisions devices the same way on both brokers: JSON commands published by an admin to
// `$CONTROL/dynamic-security/v1`, answered on `…/v1/response` with Mosquitto's own answers.
// Passwords are kept as PBKDF2-SHA512 hashes, as Mosquitto keeps them; with a file, the state is
// saved there after every change and read back at start (as Mosquitto's dynamic-security.json).
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { topicMatches } from "./mqtt-sessions";

export const CONTROL_TOPIC = "$CONTROL/dynamic-security/v1";
export const CONTROL_RESPONSE_TOPIC = `${CONTROL_TOPIC}/response`;

const ACL_TYPES = ["publishClientSend", "publishClientReceive", "subscribeLiteral", "subscribePattern", "unsubscribeLiteral", "unsubscribePattern"] as const;
type AclType = (typeof ACL_TYPES)[number];
type DefaultType = "publishClientSend" | "publishClientReceive" | "subscribe" | "unsubscribe";
interface Acl {
  acltype: AclType;
  topic: string;
  priority: number;
  allow: boolean;
}
interface Role {
  rolename: string;
  acls: Acl[];
}
interface Hash {
  hash: string;
  salt: string;
  iterations: number;
}
interface Client {
  username: string;
  clientid?: string;
  password?: Hash;
  roles: { rolename: string; priority: number }[];
  disabled?: boolean;
}
interface Saved {
  clients: Client[];
  roles: Role[];
  defaultACLAccess: Record<DefaultType, boolean>;
}

/** What a connection authenticated as (the dynamic-security client's username). */
export interface Principal {
  username: string;
  /** The client id its client is bound to (a device's own id), if any. */
  clientId?: string;
}

const ITERATIONS = 101; // Mosquitto's own; the secrets Proviso issues are 256 random bits.
const hashOf = (password: string, salt: Buffer, iterations: number) => crypto.pbkdf2Sync(password, salt, iterations, 64, "sha512");
function newHash(password: string): Hash {
  const salt = crypto.randomBytes(12);
  return { hash: hashOf(password, salt, ITERATIONS).toString("base64"), salt: salt.toString("base64"), iterations: ITERATIONS };
}

/** The admin role Mosquitto's `mosquitto_ctrl dynsec init` creates: the control API only. */
const ADMIN_ROLE: Role = {
  rolename: "admin",
  acls: [
    { acltype: "publishClientSend", topic: `${CONTROL_TOPIC}/#`, priority: 0, allow: true },
    { acltype: "publishClientReceive", topic: `${CONTROL_TOPIC}/#`, priority: 0, allow: true },
    { acltype: "subscribePattern", topic: `${CONTROL_TOPIC}/#`, priority: 0, allow: true },
    { acltype: "unsubscribePattern", topic: "#", priority: 0, allow: true },
  ],
};

/** Does an ACL's filter cover a subscription's filter (its `+` and `#` taken as levels to cover)? */
function filterCovers(acl: string, filter: string): boolean {
  const a = acl.split("/");
  const f = filter.split("/");
  for (let i = 0; i < a.length; i++) {
    if (a[i] === "#") return true;
    if (i >= f.length) return false;
    if (a[i] === "+") {
      if (f[i] === "#") return false;
      continue;
    }
    if (a[i] !== f[i]) return false;
  }
  return a.length === f.length;
}

export class BrokerAccess {
  private readonly clients = new Map<string, Client>();
  private readonly roles = new Map<string, Role>();
  private defaults: Record<DefaultType, boolean> = { publishClientSend: false, publishClientReceive: true, subscribe: false, unsubscribe: true };
  /** Called for a client deleted or disabled: its connections are ended (Mosquitto does the same). */
  onRevoked: (username: string) => void = () => {};

  constructor(
    private readonly file: string | null,
    admin: { username: string; password: string },
  ) {
    if (file && fs.existsSync(file)) {
      const saved = JSON.parse(fs.readFileSync(file, "utf8")) as Saved;
      for (const c of saved.clients) this.clients.set(c.username, c);
      for (const r of saved.roles) this.roles.set(r.rolename, r);
      this.defaults = { ...this.defaults, ...saved.defaultACLAccess };
    }
    this.roles.set(ADMIN_ROLE.rolename, ADMIN_ROLE);
    const existing = this.clients.get(admin.username);
    if (!existing || !this.passwordMatches(existing, admin.password)) {
      this.clients.set(admin.username, { username: admin.username, password: newHash(admin.password), roles: [{ rolename: "admin", priority: -1 }] });
      this.save();
    }
  }

  /** The client a CONNECT's username, password and client id name, or null (refused: not authorised). */
  authenticate(username: string | undefined, password: Buffer | undefined, clientId: string): Principal | null {
    if (!username || !password) return null; // no anonymous access
    const client = this.clients.get(username);
    if (!client || client.disabled || !this.passwordMatches(client, password.toString("utf8"))) return null;
    if (client.clientid && client.clientid !== clientId) return null;
    return client.clientid ? { username, clientId: client.clientid } : { username };
  }

  /** Whether `who` may publish to a topic (send), receive one, or subscribe to a filter. */
  mayPublish(who: Principal, topic: string): boolean {
    return this.check(who, (acl) => acl.acltype === "publishClientSend" && topicMatches(acl.topic, topic), "publishClientSend");
  }

  mayReceive(who: Principal, topic: string): boolean {
    return this.check(who, (acl) => acl.acltype === "publishClientReceive" && topicMatches(acl.topic, topic), "publishClientReceive");
  }

  maySubscribe(who: Principal, filter: string): boolean {
    return this.check(
      who,
      (acl) => (acl.acltype === "subscribeLiteral" && acl.topic === filter) || (acl.acltype === "subscribePattern" && filterCovers(acl.topic, filter)),
      "subscribe",
    );
  }

  /** Runs a control message's commands (as `who`, who must be allowed to publish to the control topic); the answer to publish back. */
  control(payload: Buffer): string {
    let commands: Record<string, unknown>[];
    try {
      commands = (JSON.parse(payload.toString("utf8")) as { commands: Record<string, unknown>[] }).commands;
      if (!Array.isArray(commands)) throw new Error("no commands");
    } catch {
      return JSON.stringify({ responses: [{ command: "Unknown command", error: "Invalid/missing commands" }] });
    }
    const responses = commands.map((c) => {
      const { error, data } = this.run(c);
      return {
        command: String(c.command),
        ...(error ? { error } : {}),
        ...(data ? { data } : {}),
        ...(c.correlationData ? { correlationData: c.correlationData } : {}),
      };
    });
    this.save();
    return JSON.stringify({ responses });
  }

  private passwordMatches(client: Client, password: string): boolean {
    if (!client.password) return false;
    const expected = Buffer.from(client.password.hash, "base64");
    const got = hashOf(password, Buffer.from(client.password.salt, "base64"), client.password.iterations);
    return got.length === expected.length && crypto.timingSafeEqual(got, expected);
  }

  private check(who: Principal, matches: (acl: Acl) => boolean, type: DefaultType): boolean {
    const client = this.clients.get(who.username);
    if (!client || client.disabled) return false;
    const roles = [...client.roles].sort((a, b) => b.priority - a.priority || a.rolename.localeCompare(b.rolename));
    for (const r of roles) {
      const role = this.roles.get(r.rolename);
      if (!role) continue;
      const acls = [...role.acls].sort((a, b) => b.priority - a.priority);
      for (const acl of acls) if (matches(acl)) return acl.allow;
    }
    return this.defaults[type];
  }

  private run(c: Record<string, unknown>): { error?: string; data?: unknown } {
    const username = typeof c.username === "string" ? c.username : null;
    const rolename = typeof c.rolename === "string" ? c.rolename : null;
    const client = username ? this.clients.get(username) : undefined;
    const role = rolename ? this.roles.get(rolename) : undefined;
    switch (c.command) {
      case "createClient":
        return this.createClient(c, username);
      case "deleteClient":
      case "disableClient":
      case "enableClient":
      case "setClientPassword":
      case "setClientId":
      case "addClientRole":
      case "removeClientRole":
      case "getClient":
        if (!username) return { error: "Invalid/missing username" };
        if (!client) return { error: "Client not found" };
        return this.changeClient(c, client);
      case "listClients":
        return { data: { totalCount: this.clients.size, clients: [...this.clients.keys()].sort() } };
      case "createRole":
        if (!rolename) return { error: "Invalid/missing rolename" };
        if (role) return { error: "Role already exists" };
        this.roles.set(rolename, { rolename, acls: ((c.acls as Acl[] | undefined) ?? []).map(aclOf) });
        return {};
      case "deleteRole":
      case "getRole":
      case "addRoleACL":
      case "removeRoleACL":
        if (!rolename) return { error: "Invalid/missing rolename" };
        if (!role) return { error: "Role not found" };
        return this.changeRole(c, role);
      case "listRoles":
        return { data: { totalCount: this.roles.size, roles: [...this.roles.keys()].sort() } };
      case "setDefaultACLAccess":
        for (const a of (c.acls as { acltype: DefaultType; allow: boolean }[] | undefined) ?? [])
          if (a.acltype in this.defaults) this.defaults[a.acltype] = Boolean(a.allow);
        return {};
      case "getDefaultACLAccess":
        return { data: { acls: Object.entries(this.defaults).map(([acltype, allow]) => ({ acltype, allow })) } };
      default:
        return { error: "Unknown command" };
    }
  }

  private createClient(c: Record<string, unknown>, username: string | null): { error?: string } {
    if (!username) return { error: "Invalid/missing username" };
    if (this.clients.has(username)) return { error: "Client already exists" };
    const roles = ((c.roles as { rolename: string; priority?: number }[] | undefined) ?? []).map((r) => ({ rolename: r.rolename, priority: r.priority ?? -1 }));
    if (roles.some((r) => !this.roles.has(r.rolename))) return { error: "Role not found" };
    this.clients.set(username, {
      username,
      ...(typeof c.clientid === "string" && c.clientid ? { clientid: c.clientid } : {}),
      ...(typeof c.password === "string" ? { password: newHash(c.password) } : {}),
      roles,
    });
    return {};
  }

  private changeClient(c: Record<string, unknown>, client: Client): { error?: string; data?: unknown } {
    switch (c.command) {
      case "deleteClient":
        this.clients.delete(client.username);
        this.onRevoked(client.username);
        return {};
      case "disableClient":
        client.disabled = true;
        this.onRevoked(client.username);
        return {};
      case "enableClient":
        client.disabled = false;
        return {};
      case "setClientPassword":
        if (typeof c.password !== "string") return { error: "Invalid/missing password" };
        client.password = newHash(c.password);
        return {};
      case "setClientId":
        if (typeof c.clientid === "string" && c.clientid) client.clientid = c.clientid;
        else delete client.clientid;
        return {};
      case "addClientRole":
        if (!this.roles.has(String(c.rolename))) return { error: "Role not found" };
        client.roles = [...client.roles.filter((r) => r.rolename !== c.rolename), { rolename: String(c.rolename), priority: Number(c.priority ?? -1) }];
        return {};
      case "removeClientRole":
        client.roles = client.roles.filter((r) => r.rolename !== c.rolename);
        return {};
      default:
        return {
          data: { client: { username: client.username, clientid: client.clientid, roles: client.roles, groups: [], disabled: Boolean(client.disabled) } },
        };
    }
  }

  private changeRole(c: Record<string, unknown>, role: Role): { error?: string; data?: unknown } {
    switch (c.command) {
      case "deleteRole":
        this.roles.delete(role.rolename);
        for (const client of this.clients.values()) client.roles = client.roles.filter((r) => r.rolename !== role.rolename);
        return {};
      case "addRoleACL": {
        if (!ACL_TYPES.includes(c.acltype as AclType) || typeof c.topic !== "string") return { error: "Invalid/missing acltype or topic" };
        if (role.acls.some((a) => a.acltype === c.acltype && a.topic === c.topic)) return { error: "ACL with this topic already exists" };
        role.acls.push(aclOf(c as unknown as Acl));
        return {};
      }
      case "removeRoleACL":
        role.acls = role.acls.filter((a) => !(a.acltype === c.acltype && a.topic === c.topic));
        return {};
      default:
        return { data: { role } };
    }
  }

  private save() {
    if (!this.file) return;
    const saved: Saved = { clients: [...this.clients.values()], roles: [...this.roles.values()], defaultACLAccess: this.defaults };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    const tmp = `${this.file}.tmp`;
    fs.writeFileSync(tmp, JSON.stringify(saved), { mode: 0o600 });
    fs.renameSync(tmp, this.file);
  }
}

function aclOf(a: Acl): Acl {
  return { acltype: a.acltype, topic: a.topic, priority: Number(a.priority ?? -1), allow: a.allow !== false };
}
