-- What each partner was last told about a link's devices (Discover / SYNC answers, AddOrUpdateReport,
-- DeleteReport, requestSync), so the worker can tell a partner when what it may be told changes;
-- and at most one such discovery update queued per link.
CREATE TABLE "link_discovery" (
	"link_id" uuid PRIMARY KEY NOT NULL,
	"devices" jsonb NOT NULL,
	"digest" text NOT NULL,
	"announced_at" timestamp with time zone DEFAULT now() NOT NULL,
	"via" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "link_discovery" ADD CONSTRAINT "link_discovery_link_id_partner_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."partner_links"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "outbox_discovery_queued_uq" ON "outbox" USING btree ("link_id","kind") WHERE "outbox"."status" in ('pending', 'retrying') and "outbox"."kind" in ('alexa.discovery', 'google.request_sync');