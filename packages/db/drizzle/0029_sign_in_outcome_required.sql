ALTER TABLE "sign_in_attempts" ALTER COLUMN "outcome" SET NOT NULL;--> statement-breakpoint
ALTER TABLE "sign_in_attempts" DROP COLUMN "ok";