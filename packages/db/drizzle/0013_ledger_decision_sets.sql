-- New decisions are stored one row per decision set (the decisions made about one change at one
-- moment, with consecutive ids): what they share once, each decision's kind, link and sent values
-- in arrays. About a third of the rows and index entries on the worker's hot path. Decisions
-- written before stay in decision_rows as they are; the `decisions` view shows both with the same
-- columns. Batches sealed from now on hash one Merkle leaf per set (see @proviso/audit).
CREATE TABLE "decision_sets" (
	"id" bigint PRIMARY KEY NOT NULL,
	"audit_batch" bigint NOT NULL,
	"state_event_id" bigint,
	"home_id" uuid NOT NULL,
	"device_id" uuid NOT NULL,
	"observed_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone NOT NULL,
	"kind_ids" bigint[] NOT NULL,
	"link_ids" uuid[] NOT NULL,
	"sent_properties" jsonb NOT NULL,
	CONSTRAINT "decision_sets_arrays_check" CHECK (cardinality("decision_sets"."kind_ids") > 0 AND cardinality("decision_sets"."link_ids") = cardinality("decision_sets"."kind_ids") AND jsonb_array_length("decision_sets"."sent_properties") = cardinality("decision_sets"."kind_ids"))
);
--> statement-breakpoint
CREATE INDEX "decision_sets_audit_batch_idx" ON "decision_sets" USING btree ("audit_batch","id");--> statement-breakpoint
CREATE INDEX "decision_sets_home_decided_idx" ON "decision_sets" USING btree ("home_id","decided_at","id");--> statement-breakpoint
CREATE TRIGGER decision_sets_append_only BEFORE UPDATE OR DELETE ON decision_sets
  FOR EACH ROW EXECUTE FUNCTION proviso_refuse_change();--> statement-breakpoint
CREATE OR REPLACE VIEW "decisions" AS
SELECT r."id", r."state_event_id", r."home_id", r."device_id", k."partner_id", r."link_id", k."category_key", k."mode", k."stage", k."outcome",
       r."sent_properties", k."reasons", k."agreement_version_id", k."clause_keys", k."consent_version", r."observed_at", r."decided_at", r."audit_batch"
  FROM "decision_rows" r JOIN "decision_kinds" k ON k."id" = r."kind_id"
UNION ALL
SELECT s."id" + d."n" - 1, s."state_event_id", s."home_id", s."device_id", k."partner_id", d."link_id", k."category_key", k."mode", k."stage", k."outcome",
       nullif(s."sent_properties" -> (d."n" - 1)::int, 'null'::jsonb), k."reasons", k."agreement_version_id", k."clause_keys", k."consent_version",
       s."observed_at", s."decided_at", s."audit_batch"
  FROM "decision_sets" s
  CROSS JOIN LATERAL unnest(s."kind_ids", s."link_ids") WITH ORDINALITY AS d("kind_id", "link_id", "n")
  JOIN "decision_kinds" k ON k."id" = d."kind_id";
