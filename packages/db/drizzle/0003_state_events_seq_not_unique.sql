DROP INDEX "state_events_device_seq_uq";--> statement-breakpoint
CREATE INDEX "state_events_device_seq_idx" ON "state_events" USING btree ("device_id","seq");