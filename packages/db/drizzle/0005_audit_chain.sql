CREATE SEQUENCE "public"."decision_batch_seq" INCREMENT BY 1 MINVALUE 1 MAXVALUE 9223372036854775807 START WITH 1 CACHE 1;--> statement-breakpoint
CREATE TABLE "audit_head" (
	"id" integer PRIMARY KEY NOT NULL,
	"seq" bigint NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "sign_in_attempts" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"email" text NOT NULL,
	"ip" text,
	"ok" boolean NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- Decisions written before the chain existed belong to batch 0, which no entry seals (audit:verify names them).
ALTER TABLE "decisions" ADD COLUMN "audit_batch" bigint NOT NULL DEFAULT 0;--> statement-breakpoint
ALTER TABLE "decisions" ALTER COLUMN "audit_batch" DROP DEFAULT;--> statement-breakpoint
ALTER TABLE "audit_checkpoints" ADD COLUMN "public_key" text NOT NULL;--> statement-breakpoint
CREATE INDEX "sign_in_attempts_email_at_idx" ON "sign_in_attempts" USING btree ("email","at");--> statement-breakpoint
CREATE INDEX "sign_in_attempts_ip_at_idx" ON "sign_in_attempts" USING btree ("ip","at");--> statement-breakpoint
CREATE INDEX "decisions_audit_batch_idx" ON "decisions" USING btree ("audit_batch","id");--> statement-breakpoint
-- The chain starts from a genesis hash of zeros at position 0.
INSERT INTO "audit_head" ("id", "seq", "hash") VALUES (1, 0, '0000000000000000000000000000000000000000000000000000000000000000') ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- The ledger is evidence too: decisions are never changed or removed once written.
CREATE TRIGGER decisions_append_only BEFORE UPDATE OR DELETE ON decisions
  FOR EACH ROW EXECUTE FUNCTION proviso_refuse_change();
