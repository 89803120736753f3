-- What each device last sent each partner moves from the worker's memory into the shadow row,
-- read and written under the row's lock, so with several worker replicas a clause's minimum
-- interval and Google's trait completion hold whichever replica handles a report. Filled from the
-- last day of the ledger, as a starting worker used to rebuild its memory. `revision` lets a
-- worker reuse its cached copy of a row only while no one else has written it.
ALTER TABLE "device_shadow" ADD COLUMN "sent" jsonb DEFAULT '{}'::jsonb NOT NULL;--> statement-breakpoint
ALTER TABLE "device_shadow" ADD COLUMN "revision" bigint DEFAULT 0 NOT NULL;--> statement-breakpoint
UPDATE "device_shadow" s SET "sent" = x.sent
  FROM (
    SELECT device_id, jsonb_object_agg(partner_id || ' ' || category_key, jsonb_build_array(floor(extract(epoch from observed_at) * 1000)::bigint, coalesce(sent_properties, '{}'::jsonb))) AS sent
      FROM (
        SELECT DISTINCT ON (device_id, partner_id, category_key) device_id, partner_id, category_key, observed_at, sent_properties
          FROM decisions
         WHERE audit_batch >= coalesce((SELECT min(entity_id::bigint) FROM audit_log WHERE entity_type = 'decision_batch' AND at >= now() - interval '1 day'), 9223372036854775807)
           AND decided_at >= now() - interval '1 day' AND stage = 'change' AND outcome <> 'withhold' AND device_id IS NOT NULL
         ORDER BY device_id, partner_id, category_key, observed_at DESC
      ) last
     GROUP BY device_id
  ) x
 WHERE s.device_id = x.device_id;
