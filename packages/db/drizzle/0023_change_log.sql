-- Every change to what the engine decides by is logged like consents (migration 0020), so a worker
-- brings its snapshot up to date by applying it instead of loading everything again (at 100,000
-- homes a load takes seconds): `links` and `devices` name the homes whose links or devices a
-- statement changed (the worker reads those homes' again), `terms` says agreement versions,
-- clauses or certifications changed (the worker reads those again: they are few). A change to a
-- device model still moves the counter with no log row (proviso_policy_changed), and a worker
-- meeting such a gap loads whole, as before.
ALTER TABLE "policy_changes" ALTER COLUMN "consents" SET DEFAULT '[]'::jsonb;--> statement-breakpoint
ALTER TABLE "policy_changes" ADD COLUMN "kind" text DEFAULT 'consents' NOT NULL;--> statement-breakpoint
ALTER TABLE "policy_changes" ADD COLUMN "homes" jsonb DEFAULT '[]'::jsonb NOT NULL;--> statement-breakpoint
CREATE OR REPLACE FUNCTION proviso_log_policy_change(change_kind text, change_consents jsonb, change_homes jsonb) RETURNS void AS $$
DECLARE
  v bigint;
BEGIN
  -- The counter's row lock is held to commit, so versions commit in order (see migration 0020).
  UPDATE app_meta SET value = to_jsonb((value #>> '{}')::bigint + 1), updated_at = now()
   WHERE key = 'policy.version'
   RETURNING (value #>> '{}')::bigint INTO v;
  INSERT INTO policy_changes (version, kind, consents, homes) VALUES (v, change_kind, change_consents, change_homes);
  DELETE FROM policy_changes WHERE version <= v - 10000;
  PERFORM pg_notify('proviso_policy', change_kind);
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION proviso_consents_changed() RETURNS trigger AS $$
BEGIN
  PERFORM proviso_log_policy_change('consents', (
    SELECT coalesce(jsonb_agg(jsonb_build_object('homeId', n.home_id, 'partnerId', n.partner_id, 'category', n.category_key, 'mode', n.mode, 'version', n.version)), '[]'::jsonb)
      FROM new_rows n), '[]'::jsonb);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
-- Links: the homes of the rows a statement inserted, updated (before and after) or deleted. A
-- statement that touched no row changes nothing and logs nothing.
CREATE OR REPLACE FUNCTION proviso_homes_changed() RETURNS trigger AS $$
DECLARE
  h jsonb;
BEGIN
  IF TG_OP = 'INSERT' THEN
    SELECT jsonb_agg(DISTINCT home_id) INTO h FROM new_rows;
  ELSIF TG_OP = 'DELETE' THEN
    SELECT jsonb_agg(DISTINCT home_id) INTO h FROM old_rows;
  ELSE
    SELECT jsonb_agg(DISTINCT home_id) INTO h FROM (SELECT home_id FROM old_rows UNION SELECT home_id FROM new_rows) r;
  END IF;
  IF h IS NOT NULL THEN
    PERFORM proviso_log_policy_change(TG_ARGV[0], '[]'::jsonb, h);
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
-- A device moved, renamed or given another model: row by row (a transition table cannot go with a
-- column list, and without one every heartbeat's update of last_seen_at would fill one).
CREATE OR REPLACE FUNCTION proviso_device_changed() RETURNS trigger AS $$
BEGIN
  PERFORM proviso_log_policy_change('devices', '[]'::jsonb,
    CASE WHEN OLD.home_id = NEW.home_id THEN jsonb_build_array(NEW.home_id) ELSE jsonb_build_array(OLD.home_id, NEW.home_id) END);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
-- A change the worker reads again whole (the kind, the trigger's argument, says what): no rows logged.
CREATE OR REPLACE FUNCTION proviso_kind_changed() RETURNS trigger AS $$
BEGIN
  PERFORM proviso_log_policy_change(TG_ARGV[0], '[]'::jsonb, '[]'::jsonb);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
DROP TRIGGER IF EXISTS partner_links_policy_changed ON partner_links;
--> statement-breakpoint
CREATE TRIGGER partner_links_inserted AFTER INSERT ON partner_links
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_homes_changed('links');
--> statement-breakpoint
CREATE TRIGGER partner_links_updated AFTER UPDATE ON partner_links
  REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_homes_changed('links');
--> statement-breakpoint
CREATE TRIGGER partner_links_deleted AFTER DELETE ON partner_links
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_homes_changed('links');
--> statement-breakpoint
DROP TRIGGER IF EXISTS devices_policy_changed ON devices;
--> statement-breakpoint
CREATE TRIGGER devices_inserted AFTER INSERT ON devices
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_homes_changed('devices');
--> statement-breakpoint
CREATE TRIGGER devices_deleted AFTER DELETE ON devices
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_homes_changed('devices');
--> statement-breakpoint
CREATE TRIGGER devices_changed AFTER UPDATE OF home_id, model_id, name, room ON devices
  FOR EACH ROW
  WHEN (OLD.home_id IS DISTINCT FROM NEW.home_id OR OLD.model_id IS DISTINCT FROM NEW.model_id
        OR OLD.name IS DISTINCT FROM NEW.name OR OLD.room IS DISTINCT FROM NEW.room)
  EXECUTE FUNCTION proviso_device_changed();
--> statement-breakpoint
DROP TRIGGER IF EXISTS agreement_versions_policy_changed ON agreement_versions;
--> statement-breakpoint
CREATE TRIGGER agreement_versions_policy_changed AFTER INSERT OR UPDATE OR DELETE ON agreement_versions
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_kind_changed('terms');
--> statement-breakpoint
DROP TRIGGER IF EXISTS agreement_clauses_policy_changed ON agreement_clauses;
--> statement-breakpoint
CREATE TRIGGER agreement_clauses_policy_changed AFTER INSERT OR UPDATE OR DELETE ON agreement_clauses
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_kind_changed('terms');
--> statement-breakpoint
DROP TRIGGER IF EXISTS certifications_policy_changed ON certifications;
--> statement-breakpoint
CREATE TRIGGER certifications_policy_changed AFTER INSERT OR UPDATE OR DELETE ON certifications
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_kind_changed('terms');
