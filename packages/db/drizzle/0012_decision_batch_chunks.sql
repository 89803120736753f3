-- The roots of each sealed batch's 64-leaf subtrees, so a proof reads 64 decisions rather than
-- the whole batch (a 30-day "was this shared?" over 20,000-decision batches took 14 s).
CREATE TABLE "decision_batch_chunks" (
	"audit_batch" bigint NOT NULL,
	"chunk" integer NOT NULL,
	"hash" text NOT NULL,
	CONSTRAINT "decision_batch_chunks_audit_batch_chunk_pk" PRIMARY KEY("audit_batch","chunk")
);--> statement-breakpoint
CREATE TRIGGER decision_batch_chunks_append_only BEFORE UPDATE OR DELETE ON decision_batch_chunks
  FOR EACH ROW EXECUTE FUNCTION proviso_refuse_change();
