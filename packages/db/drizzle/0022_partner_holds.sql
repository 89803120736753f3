-- A partner's 429 holds every worker back from it until its Retry-After: before this, only the
-- message that met the 429 waited, and the rest went on meeting it.
CREATE TABLE "partner_holds" (
	"partner_id" text PRIMARY KEY NOT NULL,
	"until" timestamp with time zone NOT NULL,
	"reason" text NOT NULL,
	"at" timestamp with time zone NOT NULL
);
