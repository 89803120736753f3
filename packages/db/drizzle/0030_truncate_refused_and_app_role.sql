-- Custom SQL migration (drizzle-kit generate --custom).
-- TRUNCATE skips row triggers: a statement trigger refuses it on every append-only table, so the
-- evidence cannot be emptied that way either (before, it went through).
CREATE TRIGGER consents_no_truncate BEFORE TRUNCATE ON consents FOR EACH STATEMENT EXECUTE FUNCTION proviso_refuse_change();
--> statement-breakpoint
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION proviso_refuse_change();
--> statement-breakpoint
CREATE TRIGGER decision_rows_no_truncate BEFORE TRUNCATE ON decision_rows FOR EACH STATEMENT EXECUTE FUNCTION proviso_refuse_change();
--> statement-breakpoint
CREATE TRIGGER decision_kinds_no_truncate BEFORE TRUNCATE ON decision_kinds FOR EACH STATEMENT EXECUTE FUNCTION proviso_refuse_change();
--> statement-breakpoint
CREATE TRIGGER decision_batch_chunks_no_truncate BEFORE TRUNCATE ON decision_batch_chunks FOR EACH STATEMENT EXECUTE FUNCTION proviso_refuse_change();
--> statement-breakpoint
CREATE TRIGGER decision_sets_no_truncate BEFORE TRUNCATE ON decision_sets FOR EACH STATEMENT EXECUTE FUNCTION proviso_refuse_change();
--> statement-breakpoint
-- The role the product runs as on PostgreSQL (its processes SET it at connect): every table's rows,
-- but no UPDATE, DELETE or TRUNCATE of the append-only ones. Its grants are kept current after
-- every migration (packages/db/src/migrate.ts: grantAppRole). Roles are the cluster's: made once.
DO $$
BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'proviso_app') THEN
    CREATE ROLE proviso_app NOLOGIN;
  END IF;
END
$$;
