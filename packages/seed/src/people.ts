// The demo's sign-in accounts: one per role is printed at start-up; all share one password.
import { hashPassword } from "@proviso/auth/password";
import type { Role } from "@proviso/domain";
import { stableId } from "./random";

export const DEMO_PASSWORD = "proviso-demo";

let demoHash: Promise<string> | null = null;
/** One hash of the demo password per process, shared by every demo user (hashing is slow on purpose: ≈ 0.3 s). */
export function demoPasswordHash(): Promise<string> {
  demoHash ??= hashPassword(DEMO_PASSWORD);
  return demoHash;
}

export interface SeedUser {
  id: string;
  email: string;
  name: string;
  role: Role;
  partnerId: string | null;
}

const staff = (email: string, name: string, role: Role, partnerId: string | null = null): SeedUser => ({
  id: stableId(`user:${email}`),
  email,
  name,
  role,
  partnerId,
});

export const STAFF: SeedUser[] = [
  staff("manager@proviso.test", "Maya Patel", "partner_manager"),
  staff("manager2@proviso.test", "Tom Becker", "partner_manager"),
  staff("legal@proviso.test", "Lena Okafor", "legal"),
  staff("legal2@proviso.test", "Sam Lindqvist", "legal"),
  staff("alexa@partners.proviso.test", "Alex Rivera (Amazon)", "partner", "alexa"),
  staff("google@partners.proviso.test", "Gwen Li (Google)", "partner", "google-home"),
];

export const DEMO_HOMEOWNER_EMAIL = "homeowner@proviso.test";

export function ownerOf(homeIndex: number): SeedUser {
  const email = homeIndex === 0 ? DEMO_HOMEOWNER_EMAIL : `owner${homeIndex}@homes.proviso.test`;
  return {
    id: stableId(`user:${email}`),
    email,
    name: homeIndex === 0 ? "Hannah Berg" : `Owner of home ${homeIndex}`,
    role: "homeowner",
    partnerId: null,
  };
}

/** One login per role, as printed by `npm start` and used by the end-to-end tests. */
export const DEMO_LOGINS: Record<Role, string> = {
  homeowner: DEMO_HOMEOWNER_EMAIL,
  partner_manager: "manager@proviso.test",
  legal: "legal@proviso.test",
  partner: "alexa@partners.proviso.test",
};
