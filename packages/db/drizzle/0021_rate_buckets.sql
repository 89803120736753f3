-- The agreements' rate limits as token buckets shared by every worker (they were each process's
-- own, so two replicas could send twice what a clause allows): one row per partner, and per
-- partner and home; a delivery batch reserves what it may send in one statement.
CREATE TABLE "rate_buckets" (
	"key" text PRIMARY KEY NOT NULL,
	"per_minute" double precision NOT NULL,
	"tokens" double precision NOT NULL,
	"granted" integer DEFAULT 0 NOT NULL,
	"at" timestamp with time zone NOT NULL
);
