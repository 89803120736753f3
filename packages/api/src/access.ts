// Who may call what: one row per tRPC procedure. The procedure builders read this table, so a
// procedure cannot exist without a row, and the authorisation test walks the router against it.
import type { Role } from "@proviso/domain";

export type Access = "public" | "signed_in" | readonly Role[];

export const ACCESS = {
  "health.ping": "public",
  "session.me": "signed_in",
  "home.overview": ["homeowner"],
  "home.sharing": ["homeowner"],
  "home.setConsent": ["homeowner"],
  "home.ledger": ["homeowner"],
  "home.shareChart": ["homeowner"],
  "home.unlink": ["homeowner"],
  "home.deletionRequests": ["homeowner"],
  "home.linkable": ["homeowner"],
  "linking.offer": ["homeowner"],
  "linking.approve": ["homeowner"],
  "linking.deny": ["homeowner"],
  "partners.list": ["partner_manager", "legal"],
  "partners.leverage": ["partner_manager", "legal"],
  "partners.answerDemand": ["partner_manager"],
  "partners.draftForDemand": ["partner_manager"],
  "partners.updateCertification": ["partner_manager"],
  "partners.updateListing": ["partner_manager"],
  "partners.requestReplay": ["partner_manager", "legal"],
  "partners.replay": ["partner_manager", "legal"],
  "legal.reviewQueue": ["legal"],
  "legal.report": ["legal"],
  "legal.auditEntries": ["legal"],
  "legal.verifyAudit": ["legal"],
  "legal.verification": ["legal"],
  "legal.checkpoints": ["legal"],
  "legal.signCheckpoint": ["legal"],
  "legal.wasShared": ["legal"],
  "partnerPortal.overview": ["partner"],
  "partnerPortal.version": ["partner"],
  "partnerPortal.stats": ["partner"],
  "partnerPortal.checkpoints": ["partner"],
  "partnerPortal.demands": ["partner"],
  "partnerPortal.fileDemand": ["partner"],
  "partnerPortal.deletionRequests": ["partner"],
  "partnerPortal.confirmDeletion": ["partner"],
  "agreements.list": ["partner_manager", "legal"],
  "agreements.version": ["partner_manager", "legal"],
  "agreements.createDraft": ["partner_manager", "legal"],
  "agreements.saveDraft": ["partner_manager", "legal"],
  "agreements.submit": ["partner_manager", "legal"],
  "agreements.review": ["legal"],
  "agreements.decide": ["legal"],
  "agreements.terminate": ["partner_manager", "legal"],
  "agreements.terminationRisk": ["partner_manager", "legal"],
} as const satisfies Record<string, Access>;

export type ProcedurePath = keyof typeof ACCESS;

export function rolesAllowed(access: Access, role: Role | null): boolean {
  if (access === "public") return true;
  if (role === null) return false;
  if (access === "signed_in") return true;
  return access.includes(role);
}
