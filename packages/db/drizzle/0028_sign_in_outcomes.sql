-- Sign-in attempts say what became of them (ok, failed, refused, unlocked), not only whether the
-- password was right: refused attempts no longer count towards a limit (0029 drops "ok").
ALTER TABLE "sign_in_attempts" ADD COLUMN "outcome" text;--> statement-breakpoint
ALTER TABLE "sign_in_attempts" ADD CONSTRAINT "sign_in_attempts_outcome_check" CHECK ("sign_in_attempts"."outcome" in ('ok', 'failed', 'refused', 'unlocked'));--> statement-breakpoint
UPDATE "sign_in_attempts" SET "outcome" = CASE WHEN "ok" THEN 'ok' ELSE 'failed' END;
