DROP INDEX "decisions_audit_seq_idx";--> statement-breakpoint
ALTER TABLE "decisions" DROP COLUMN "audit_seq";