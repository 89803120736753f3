-- Deletion requests are told to the partner (packages/worker/src/deletion/notify.ts): 'sent' between
-- pending and confirmed, and how and when it was told. IF NOT EXISTS: a database an older test built
-- and seeded with today's vocabulary may have it.
ALTER TYPE "public"."deletion_status" ADD VALUE IF NOT EXISTS 'sent' BEFORE 'confirmed';--> statement-breakpoint
ALTER TABLE "deletion_requests" ADD COLUMN "sent_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "deletion_requests" ADD COLUMN "told_via" text;--> statement-breakpoint
ALTER TABLE "deletion_requests" ADD COLUMN "attempts" integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE "deletion_requests" ADD COLUMN "next_attempt_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "deletion_requests" ADD COLUMN "last_error" text;--> statement-breakpoint
ALTER TABLE "deletion_requests" ADD COLUMN "confirmed_by" uuid;--> statement-breakpoint
ALTER TABLE "deletion_requests" ADD COLUMN "confirmation_note" text;--> statement-breakpoint
ALTER TABLE "deletion_requests" ADD CONSTRAINT "deletion_requests_confirmed_by_users_id_fk" FOREIGN KEY ("confirmed_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;