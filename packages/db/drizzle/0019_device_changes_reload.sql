-- Custom SQL migration (drizzle-kit generate --custom).
-- A device moved to another home, given another model, renamed or moved to another room changes
-- what the engine decides for it (the home's links and consents, the model's categories and
-- certifications) and what partners are told of it (discovery): it moves the policy counter like
-- a device added or removed, and so does a change to a model. Before, only INSERT and DELETE did,
-- and a worker went on deciding a moved device by its old home's consents until something else
-- reloaded its snapshot.
DROP TRIGGER IF EXISTS devices_policy_changed ON devices;
--> statement-breakpoint
CREATE TRIGGER devices_policy_changed AFTER INSERT OR DELETE OR UPDATE OF home_id, model_id, name, room ON devices
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_policy_changed();
--> statement-breakpoint
CREATE TRIGGER device_models_policy_changed AFTER INSERT OR UPDATE OR DELETE ON device_models
  FOR EACH STATEMENT EXECUTE FUNCTION proviso_policy_changed();
