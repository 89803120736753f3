export const ROLES = ["homeowner", "partner_manager", "legal", "partner"] as const;
export type Role = (typeof ROLES)[number];

/** Where each role lands after signing in. */
export const ROLE_HOME: Record<Role, string> = {
  homeowner: "/home",
  partner_manager: "/partners",
  legal: "/legal",
  partner: "/partner-portal",
};

export const ROLE_LABEL: Record<Role, string> = {
  homeowner: "Homeowner",
  partner_manager: "Partner manager",
  legal: "Legal & compliance",
  partner: "Partner platform",
};
