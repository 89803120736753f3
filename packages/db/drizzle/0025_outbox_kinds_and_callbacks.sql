-- Every outbox kind is `<adapter>.state` or `<adapter>.discovery` (packages/worker/src/outbox/codec.ts):
-- Google's discovery updates were `google.request_sync`. The one-queued-per-link index follows the
-- rule instead of naming each platform's kind. Links keep the callback URLs a platform gives
-- (SmartThings' grantCallbackAccess).
DROP INDEX "outbox_discovery_queued_uq";--> statement-breakpoint
UPDATE "outbox" SET "kind" = 'google.discovery' WHERE "kind" = 'google.request_sync';--> statement-breakpoint
ALTER TABLE "partner_links" ADD COLUMN "callback_urls" jsonb;--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_discovery_queued_uq" ON "outbox" USING btree ("link_id","kind") WHERE "outbox"."status" in ('pending', 'retrying') and "outbox"."kind" like '%.discovery';
