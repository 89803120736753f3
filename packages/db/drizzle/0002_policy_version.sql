-- Custom SQL migration (drizzle-kit generate --custom).
-- Every change to what the engine decides by (consents, links, agreement versions and clauses,
-- certifications) bumps one counter, once per statement, and notifies listeners. Workers reload
-- their snapshot when it moves (by LISTEN where the server offers it, by polling otherwise).
INSERT INTO app_meta (key, value) VALUES ('policy.version', '0'::jsonb) ON CONFLICT (key) DO NOTHING;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION proviso_policy_changed() RETURNS trigger AS $$
BEGIN
  UPDATE app_meta SET value = to_jsonb((value #>> '{}')::bigint + 1), updated_at = now() WHERE key = 'policy.version';
  PERFORM pg_notify('proviso_policy', TG_TABLE_NAME);
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;
--> statement-breakpoint
CREATE TRIGGER consents_policy_changed AFTER INSERT OR UPDATE OR DELETE ON consents
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_policy_changed();
--> statement-breakpoint
CREATE TRIGGER partner_links_policy_changed AFTER INSERT OR UPDATE OR DELETE ON partner_links
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_policy_changed();
--> statement-breakpoint
CREATE TRIGGER agreement_versions_policy_changed AFTER INSERT OR UPDATE OR DELETE ON agreement_versions
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_policy_changed();
--> statement-breakpoint
CREATE TRIGGER agreement_clauses_policy_changed AFTER INSERT OR UPDATE OR DELETE ON agreement_clauses
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_policy_changed();
--> statement-breakpoint
CREATE TRIGGER certifications_policy_changed AFTER INSERT OR UPDATE OR DELETE ON certifications
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_policy_changed();
--> statement-breakpoint
CREATE TRIGGER devices_policy_changed AFTER INSERT OR DELETE ON devices
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_policy_changed();
