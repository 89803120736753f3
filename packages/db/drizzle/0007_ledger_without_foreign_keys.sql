ALTER TABLE "decisions" DROP CONSTRAINT "decisions_state_event_id_state_events_id_fk";
--> statement-breakpoint
ALTER TABLE "decisions" DROP CONSTRAINT "decisions_home_id_homes_id_fk";
--> statement-breakpoint
ALTER TABLE "decisions" DROP CONSTRAINT "decisions_device_id_devices_id_fk";
--> statement-breakpoint
ALTER TABLE "decisions" DROP CONSTRAINT "decisions_partner_id_partners_id_fk";
--> statement-breakpoint
ALTER TABLE "decisions" DROP CONSTRAINT "decisions_link_id_partner_links_id_fk";
--> statement-breakpoint
ALTER TABLE "decisions" DROP CONSTRAINT "decisions_agreement_version_id_agreement_versions_id_fk";
--> statement-breakpoint
ALTER TABLE "outbox" DROP CONSTRAINT "outbox_partner_id_partners_id_fk";
--> statement-breakpoint
ALTER TABLE "outbox" DROP CONSTRAINT "outbox_link_id_partner_links_id_fk";
--> statement-breakpoint
ALTER TABLE "outbox" DROP CONSTRAINT "outbox_home_id_homes_id_fk";
--> statement-breakpoint
ALTER TABLE "outbox" DROP CONSTRAINT "outbox_device_id_devices_id_fk";
--> statement-breakpoint
ALTER TABLE "outbox" DROP CONSTRAINT "outbox_decision_id_decisions_id_fk";
--> statement-breakpoint
ALTER TABLE "state_events" DROP CONSTRAINT "state_events_device_id_devices_id_fk";
--> statement-breakpoint
ALTER TABLE "state_events" DROP CONSTRAINT "state_events_home_id_homes_id_fk";
--> statement-breakpoint
DROP INDEX "decisions_partner_decided_idx";