-- Consent statements logged with what they wrote, so a worker can apply them to its snapshot.
CREATE TABLE "policy_changes" (
	"version" bigint PRIMARY KEY NOT NULL,
	"consents" jsonb NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
-- A statement that writes consents (they are only ever inserted: migration 0001) moves the policy
-- counter as before and also logs what it wrote under the counter's new value. The counter's row
-- lock is held to commit, so versions commit in order: a worker that reads versions N+1…M with no
-- gap has every change in between, and applies them to its snapshot in place of a reload
-- (WorldCache in packages/pipeline). Any other change moves the counter without a log row, and a
-- worker meeting such a gap reloads whole, as it always did.
CREATE OR REPLACE FUNCTION proviso_consents_changed() RETURNS trigger AS $$
DECLARE
  v bigint;
BEGIN
  UPDATE app_meta SET value = to_jsonb((value #>> '{}')::bigint + 1), updated_at = now()
   WHERE key = 'policy.version'
   RETURNING (value #>> '{}')::bigint INTO v;
  INSERT INTO policy_changes (version, consents)
  SELECT v, coalesce(jsonb_agg(jsonb_build_object('homeId', n.home_id, 'partnerId', n.partner_id, 'category', n.category_key, 'mode', n.mode, 'version', n.version)), '[]'::jsonb)
    FROM new_rows n;
  DELETE FROM policy_changes WHERE version <= v - 10000;
  PERFORM pg_notify('proviso_policy', TG_TABLE_NAME);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
DROP TRIGGER IF EXISTS consents_policy_changed ON consents;
--> statement-breakpoint
CREATE TRIGGER consents_policy_changed AFTER INSERT ON consents
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_consents_changed();
