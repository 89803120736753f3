-- Custom SQL migration (drizzle-kit generate --custom).
-- A device model's change (a new model, a rename, other categories) is logged like every other
-- change to what the engine decides by (migration 0023): kind `models`, no homes. The worker reads
-- the models and the terms again (certifications are named by model key) and remakes what it holds
-- of each device of a changed model, instead of loading everything: the last change that still did
-- (≈ 6–8 s at 100,000 homes, during which ingest and delivery waited for it).
DROP TRIGGER IF EXISTS device_models_policy_changed ON device_models;
--> statement-breakpoint
CREATE TRIGGER device_models_policy_changed AFTER INSERT OR UPDATE OR DELETE ON device_models
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_kind_changed('models');
--> statement-breakpoint
-- No trigger calls the counter-only function any more (0023 and this replaced each one).
DROP FUNCTION IF EXISTS proviso_policy_changed();
