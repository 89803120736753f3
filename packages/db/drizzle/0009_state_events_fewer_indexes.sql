DROP INDEX "state_events_device_seq_idx";--> statement-breakpoint
DROP INDEX "state_events_home_observed_idx";