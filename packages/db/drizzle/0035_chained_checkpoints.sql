ALTER TYPE "public"."alert_kind" ADD VALUE IF NOT EXISTS 'audit_integrity';--> statement-breakpoint
CREATE TABLE "audit_checkpoint_timestamps" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"checkpoint_id" bigint NOT NULL,
	"authority" text NOT NULL,
	"token" text NOT NULL,
	"stamped_at" timestamp with time zone NOT NULL
);
--> statement-breakpoint
ALTER TABLE "audit_checkpoints" ADD COLUMN "version" integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE "audit_checkpoints" ADD COLUMN "prev_seq" bigint;--> statement-breakpoint
ALTER TABLE "audit_checkpoints" ADD COLUMN "prev_hash" text;--> statement-breakpoint
CREATE INDEX "audit_checkpoint_timestamps_checkpoint_idx" ON "audit_checkpoint_timestamps" USING btree ("checkpoint_id");
--> statement-breakpoint
-- Checkpoints and their time-stamps are append-only, like the log (TRUNCATE refused too).
CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON audit_checkpoints FOR EACH ROW EXECUTE FUNCTION proviso_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints FOR EACH STATEMENT EXECUTE FUNCTION proviso_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_checkpoint_timestamps_append_only BEFORE UPDATE OR DELETE ON audit_checkpoint_timestamps FOR EACH ROW EXECUTE FUNCTION proviso_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_checkpoint_timestamps_no_truncate BEFORE TRUNCATE ON audit_checkpoint_timestamps FOR EACH STATEMENT EXECUTE FUNCTION proviso_refuse_change();
--> statement-breakpoint
-- The chain's head only moves forward: a rewind (to hide a deleted tail) is refused, as are deleting or emptying it.
CREATE OR REPLACE FUNCTION proviso_head_forward_only() RETURNS trigger AS $$
BEGIN
  IF TG_OP <> 'UPDATE' OR NEW.seq < OLD.seq OR NEW.id <> OLD.id THEN
    RAISE EXCEPTION 'audit_head only moves forward: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER audit_head_forward_only BEFORE UPDATE OR DELETE ON audit_head FOR EACH ROW EXECUTE FUNCTION proviso_head_forward_only();
--> statement-breakpoint
CREATE TRIGGER audit_head_no_truncate BEFORE TRUNCATE ON audit_head FOR EACH STATEMENT EXECUTE FUNCTION proviso_refuse_change();
