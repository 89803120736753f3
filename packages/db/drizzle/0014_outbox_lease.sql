-- Claiming a message for delivery no longer moves it in an index: the lease is its own column
-- (leased_until, not indexed) and pages keep room for the new row version, so a claim is an
-- in-place (HOT) update; the due index holds only messages still to deliver. Before, a claim moved
-- next_attempt_at and wrote a new entry in all four of the outbox's indexes.
DROP INDEX "outbox_due_idx";--> statement-breakpoint
ALTER TABLE "outbox" ADD COLUMN "leased_until" timestamp with time zone;--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("next_attempt_at","id") WHERE "outbox"."status" in ('pending', 'retrying');--> statement-breakpoint
ALTER TABLE "outbox" SET (fillfactor = 70);
