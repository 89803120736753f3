ALTER TABLE "audit_checkpoints" ADD COLUMN "prev_id" bigint;--> statement-breakpoint
-- Checkpoints signed before this migration: the row each follows, found by the seq and hash it signed.
ALTER TABLE "audit_checkpoints" DISABLE TRIGGER audit_checkpoints_append_only;--> statement-breakpoint
UPDATE "audit_checkpoints" c SET "prev_id" = (
  SELECT p."id" FROM "audit_checkpoints" p
   WHERE p."upto_seq" = c."prev_seq" AND p."head_hash" = c."prev_hash" AND p."id" < c."id"
   ORDER BY p."id" DESC LIMIT 1)
 WHERE c."version" >= 2;--> statement-breakpoint
ALTER TABLE "audit_checkpoints" ENABLE TRIGGER audit_checkpoints_append_only;--> statement-breakpoint
CREATE UNIQUE INDEX "audit_checkpoints_one_successor_uq" ON "audit_checkpoints" USING btree (coalesce("prev_id", 0)) WHERE "audit_checkpoints"."version" >= 2;