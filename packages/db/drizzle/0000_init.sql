CREATE TYPE "public"."agreement_version_status" AS ENUM('draft', 'in_review', 'approved', 'active', 'superseded', 'terminated', 'expired', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."alert_kind" AS ENUM('certification_expiry', 'demand_deadline', 'listing_at_risk', 'deletion_deadline');--> statement-breakpoint
CREATE TYPE "public"."certification_status" AS ENUM('certified', 'pending', 'expired', 'revoked');--> statement-breakpoint
CREATE TYPE "public"."clause_kind" AS ENUM('data_share', 'certification_requirement', 'retail_listing_dependency', 'rate_limit', 'deletion_on_unlink', 'breach_notification', 'termination');--> statement-breakpoint
CREATE TYPE "public"."decision_outcome" AS ENUM('send', 'withhold', 'transform');--> statement-breakpoint
CREATE TYPE "public"."decision_stage" AS ENUM('change', 'delivery', 'request');--> statement-breakpoint
CREATE TYPE "public"."deletion_status" AS ENUM('pending', 'confirmed', 'overdue');--> statement-breakpoint
CREATE TYPE "public"."demand_status" AS ENUM('open', 'countered', 'accepted', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."device_kind" AS ENUM('thermostat', 'sensor', 'lock');--> statement-breakpoint
CREATE TYPE "public"."leverage_kind" AS ENUM('retail_listing', 'certification', 'other');--> statement-breakpoint
CREATE TYPE "public"."link_status" AS ENUM('active', 'revoked', 'unlinked');--> statement-breakpoint
CREATE TYPE "public"."listing_status" AS ENUM('listed', 'at_risk', 'delisted');--> statement-breakpoint
CREATE TYPE "public"."outbox_status" AS ENUM('pending', 'retrying', 'delivered', 'dead', 'cancelled');--> statement-breakpoint
CREATE TYPE "public"."partner_adapter" AS ENUM('alexa', 'google', 'webhook');--> statement-breakpoint
CREATE TYPE "public"."report_cause" AS ENUM('physical', 'app', 'voice', 'schedule', 'periodic');--> statement-breakpoint
CREATE TYPE "public"."share_mode" AS ENUM('off', 'on_request', 'proactive');--> statement-breakpoint
CREATE TYPE "public"."signoff_decision" AS ENUM('approved', 'rejected');--> statement-breakpoint
CREATE TYPE "public"."user_role" AS ENUM('homeowner', 'partner_manager', 'legal', 'partner');--> statement-breakpoint
CREATE TABLE "certifications" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"model_id" uuid NOT NULL,
	"programme_id" uuid NOT NULL,
	"status" "certification_status" NOT NULL,
	"certified_at" timestamp with time zone,
	"valid_until" timestamp with time zone,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "data_categories" (
	"key" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL,
	"properties" text[] NOT NULL
);
--> statement-breakpoint
CREATE TABLE "device_models" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"kind" "device_kind" NOT NULL,
	"categories" text[] NOT NULL,
	CONSTRAINT "device_models_key_unique" UNIQUE("key")
);
--> statement-breakpoint
CREATE TABLE "partners" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"adapter" "partner_adapter" NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "programmes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"partner_id" text NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	"requirements" jsonb DEFAULT '[]'::jsonb NOT NULL,
	CONSTRAINT "programmes_key_unique" UNIQUE("key")
);
--> statement-breakpoint
CREATE TABLE "purposes" (
	"key" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"description" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "retail_channels" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"partner_id" text NOT NULL,
	"key" text NOT NULL,
	"name" text NOT NULL,
	CONSTRAINT "retail_channels_key_unique" UNIQUE("key")
);
--> statement-breakpoint
CREATE TABLE "retail_listings" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"sku_id" uuid NOT NULL,
	"channel_id" uuid NOT NULL,
	"status" "listing_status" NOT NULL,
	"depends_on_clause_keys" text[] DEFAULT '{}'::text[] NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "skus" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"model_id" uuid NOT NULL,
	"code" text NOT NULL,
	"name" text NOT NULL,
	"region" text NOT NULL,
	CONSTRAINT "skus_code_unique" UNIQUE("code")
);
--> statement-breakpoint
CREATE TABLE "consents" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"home_id" uuid NOT NULL,
	"partner_id" text NOT NULL,
	"category_key" text NOT NULL,
	"mode" "share_mode" NOT NULL,
	"version" integer NOT NULL,
	"set_by" uuid,
	"set_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "deletion_requests" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"link_id" uuid NOT NULL,
	"requested_at" timestamp with time zone DEFAULT now() NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"status" "deletion_status" DEFAULT 'pending' NOT NULL,
	"confirmed_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "devices" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"home_id" uuid NOT NULL,
	"model_id" uuid NOT NULL,
	"sku_id" uuid NOT NULL,
	"name" text NOT NULL,
	"room" text NOT NULL,
	"serial" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_seen_at" timestamp with time zone,
	CONSTRAINT "devices_serial_unique" UNIQUE("serial")
);
--> statement-breakpoint
CREATE TABLE "home_memberships" (
	"home_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "home_memberships_home_id_user_id_pk" PRIMARY KEY("home_id","user_id")
);
--> statement-breakpoint
CREATE TABLE "homes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"region" text NOT NULL,
	"timezone" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "partner_links" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"home_id" uuid NOT NULL,
	"partner_id" text NOT NULL,
	"status" "link_status" DEFAULT 'active' NOT NULL,
	"region" text NOT NULL,
	"external_account_id" text NOT NULL,
	"access_token_enc" text,
	"refresh_token_enc" text,
	"token_expires_at" timestamp with time zone,
	"linked_at" timestamp with time zone DEFAULT now() NOT NULL,
	"ended_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"password_hash" text NOT NULL,
	"role" "user_role" NOT NULL,
	"partner_id" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email"),
	CONSTRAINT "users_partner_role_ck" CHECK (("users"."role" = 'partner') = ("users"."partner_id" IS NOT NULL))
);
--> statement-breakpoint
CREATE TABLE "agreement_clauses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version_id" uuid NOT NULL,
	"clause_key" text NOT NULL,
	"kind" "clause_kind" NOT NULL,
	"title" text NOT NULL,
	"legal_text" text NOT NULL,
	"terms" jsonb NOT NULL,
	"position" integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agreement_signoffs" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"version_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"decision" "signoff_decision" NOT NULL,
	"comment" text DEFAULT '' NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agreement_version_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"version_id" uuid NOT NULL,
	"from_status" "agreement_version_status",
	"to_status" "agreement_version_status" NOT NULL,
	"actor_id" uuid,
	"note" text DEFAULT '' NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agreement_versions" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"agreement_id" uuid NOT NULL,
	"version" integer NOT NULL,
	"status" "agreement_version_status" DEFAULT 'draft' NOT NULL,
	"summary" text DEFAULT '' NOT NULL,
	"based_on_id" uuid,
	"author_id" uuid,
	"effective_from" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"submitted_at" timestamp with time zone,
	"activated_at" timestamp with time zone,
	"ended_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "agreements" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"partner_id" text NOT NULL,
	"title" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alerts" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"kind" "alert_kind" NOT NULL,
	"partner_id" text,
	"subject_id" uuid NOT NULL,
	"threshold_days" integer NOT NULL,
	"message" text NOT NULL,
	"due_at" timestamp with time zone NOT NULL,
	"raised_at" timestamp with time zone DEFAULT now() NOT NULL,
	"acknowledged_at" timestamp with time zone
);
--> statement-breakpoint
CREATE TABLE "partner_demands" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"partner_id" text NOT NULL,
	"category_key" text NOT NULL,
	"mode" "share_mode" NOT NULL,
	"purpose_key" text NOT NULL,
	"leverage" "leverage_kind" NOT NULL,
	"leverage_listing_id" uuid,
	"leverage_programme_id" uuid,
	"description" text NOT NULL,
	"deadline" timestamp with time zone,
	"status" "demand_status" DEFAULT 'open' NOT NULL,
	"answered_by_version_id" uuid,
	"filed_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "decision_daily_stats" (
	"day" date NOT NULL,
	"partner_id" text NOT NULL,
	"category_key" text NOT NULL,
	"mode" "share_mode" NOT NULL,
	"outcome" "decision_outcome" NOT NULL,
	"reason_code" text NOT NULL,
	"count" bigint NOT NULL,
	CONSTRAINT "decision_daily_stats_day_partner_id_category_key_mode_outcome_reason_code_pk" PRIMARY KEY("day","partner_id","category_key","mode","outcome","reason_code")
);
--> statement-breakpoint
CREATE TABLE "decisions" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"state_event_id" bigint,
	"home_id" uuid NOT NULL,
	"device_id" uuid NOT NULL,
	"partner_id" text NOT NULL,
	"link_id" uuid,
	"category_key" text NOT NULL,
	"mode" "share_mode" NOT NULL,
	"stage" "decision_stage" NOT NULL,
	"outcome" "decision_outcome" NOT NULL,
	"sent_properties" jsonb,
	"reasons" jsonb NOT NULL,
	"agreement_version_id" uuid,
	"clause_keys" text[] DEFAULT '{}'::text[] NOT NULL,
	"consent_version" integer,
	"observed_at" timestamp with time zone NOT NULL,
	"decided_at" timestamp with time zone DEFAULT now() NOT NULL,
	"audit_seq" bigint
);
--> statement-breakpoint
CREATE TABLE "device_shadow" (
	"device_id" uuid PRIMARY KEY NOT NULL,
	"version" bigint DEFAULT 0 NOT NULL,
	"reachable" boolean DEFAULT true NOT NULL,
	"properties" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"last_report_at" timestamp with time zone,
	"stale_reports" bigint DEFAULT 0 NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "outbox" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"message_id" uuid NOT NULL,
	"partner_id" text NOT NULL,
	"link_id" uuid NOT NULL,
	"home_id" uuid NOT NULL,
	"device_id" uuid,
	"decision_id" bigint,
	"kind" text NOT NULL,
	"category_keys" text[] NOT NULL,
	"payload" jsonb NOT NULL,
	"observed_at" timestamp with time zone NOT NULL,
	"status" "outbox_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"last_status_code" integer,
	"last_error" text,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"delivered_at" timestamp with time zone,
	CONSTRAINT "outbox_message_id_unique" UNIQUE("message_id")
);
--> statement-breakpoint
CREATE TABLE "quarantine" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"source" text NOT NULL,
	"topic" text,
	"device_ref" text,
	"reason_code" text NOT NULL,
	"reason" text NOT NULL,
	"raw" text NOT NULL
);
--> statement-breakpoint
CREATE TABLE "state_events" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"device_id" uuid NOT NULL,
	"home_id" uuid NOT NULL,
	"seq" bigint NOT NULL,
	"observed_at" timestamp with time zone NOT NULL,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL,
	"cause" "report_cause" NOT NULL,
	"properties" jsonb NOT NULL
);
--> statement-breakpoint
CREATE TABLE "app_meta" (
	"key" text PRIMARY KEY NOT NULL,
	"value" jsonb NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_checkpoints" (
	"id" bigserial PRIMARY KEY NOT NULL,
	"upto_seq" bigint NOT NULL,
	"head_hash" text NOT NULL,
	"key_id" text NOT NULL,
	"signature" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "audit_log" (
	"seq" bigserial PRIMARY KEY NOT NULL,
	"at" timestamp with time zone DEFAULT now() NOT NULL,
	"actor_id" uuid,
	"action" text NOT NULL,
	"entity_type" text NOT NULL,
	"entity_id" text NOT NULL,
	"details" jsonb NOT NULL,
	"merkle_root" text,
	"prev_hash" text NOT NULL,
	"hash" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "certifications" ADD CONSTRAINT "certifications_model_id_device_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."device_models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "certifications" ADD CONSTRAINT "certifications_programme_id_programmes_id_fk" FOREIGN KEY ("programme_id") REFERENCES "public"."programmes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "programmes" ADD CONSTRAINT "programmes_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retail_channels" ADD CONSTRAINT "retail_channels_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retail_listings" ADD CONSTRAINT "retail_listings_sku_id_skus_id_fk" FOREIGN KEY ("sku_id") REFERENCES "public"."skus"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "retail_listings" ADD CONSTRAINT "retail_listings_channel_id_retail_channels_id_fk" FOREIGN KEY ("channel_id") REFERENCES "public"."retail_channels"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "skus" ADD CONSTRAINT "skus_model_id_device_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."device_models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_home_id_homes_id_fk" FOREIGN KEY ("home_id") REFERENCES "public"."homes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_category_key_data_categories_key_fk" FOREIGN KEY ("category_key") REFERENCES "public"."data_categories"("key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "consents" ADD CONSTRAINT "consents_set_by_users_id_fk" FOREIGN KEY ("set_by") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "deletion_requests" ADD CONSTRAINT "deletion_requests_link_id_partner_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."partner_links"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_home_id_homes_id_fk" FOREIGN KEY ("home_id") REFERENCES "public"."homes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_model_id_device_models_id_fk" FOREIGN KEY ("model_id") REFERENCES "public"."device_models"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "devices" ADD CONSTRAINT "devices_sku_id_skus_id_fk" FOREIGN KEY ("sku_id") REFERENCES "public"."skus"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "home_memberships" ADD CONSTRAINT "home_memberships_home_id_homes_id_fk" FOREIGN KEY ("home_id") REFERENCES "public"."homes"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "home_memberships" ADD CONSTRAINT "home_memberships_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_links" ADD CONSTRAINT "partner_links_home_id_homes_id_fk" FOREIGN KEY ("home_id") REFERENCES "public"."homes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_links" ADD CONSTRAINT "partner_links_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "users" ADD CONSTRAINT "users_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreement_clauses" ADD CONSTRAINT "agreement_clauses_version_id_agreement_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."agreement_versions"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreement_signoffs" ADD CONSTRAINT "agreement_signoffs_version_id_agreement_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."agreement_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreement_signoffs" ADD CONSTRAINT "agreement_signoffs_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreement_version_events" ADD CONSTRAINT "agreement_version_events_version_id_agreement_versions_id_fk" FOREIGN KEY ("version_id") REFERENCES "public"."agreement_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreement_version_events" ADD CONSTRAINT "agreement_version_events_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreement_versions" ADD CONSTRAINT "agreement_versions_agreement_id_agreements_id_fk" FOREIGN KEY ("agreement_id") REFERENCES "public"."agreements"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreement_versions" ADD CONSTRAINT "agreement_versions_based_on_id_agreement_versions_id_fk" FOREIGN KEY ("based_on_id") REFERENCES "public"."agreement_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreement_versions" ADD CONSTRAINT "agreement_versions_author_id_users_id_fk" FOREIGN KEY ("author_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "agreements" ADD CONSTRAINT "agreements_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alerts" ADD CONSTRAINT "alerts_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_demands" ADD CONSTRAINT "partner_demands_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_demands" ADD CONSTRAINT "partner_demands_category_key_data_categories_key_fk" FOREIGN KEY ("category_key") REFERENCES "public"."data_categories"("key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_demands" ADD CONSTRAINT "partner_demands_purpose_key_purposes_key_fk" FOREIGN KEY ("purpose_key") REFERENCES "public"."purposes"("key") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_demands" ADD CONSTRAINT "partner_demands_leverage_listing_id_retail_listings_id_fk" FOREIGN KEY ("leverage_listing_id") REFERENCES "public"."retail_listings"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_demands" ADD CONSTRAINT "partner_demands_leverage_programme_id_programmes_id_fk" FOREIGN KEY ("leverage_programme_id") REFERENCES "public"."programmes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_demands" ADD CONSTRAINT "partner_demands_answered_by_version_id_agreement_versions_id_fk" FOREIGN KEY ("answered_by_version_id") REFERENCES "public"."agreement_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "partner_demands" ADD CONSTRAINT "partner_demands_filed_by_id_users_id_fk" FOREIGN KEY ("filed_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decision_daily_stats" ADD CONSTRAINT "decision_daily_stats_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_state_event_id_state_events_id_fk" FOREIGN KEY ("state_event_id") REFERENCES "public"."state_events"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_home_id_homes_id_fk" FOREIGN KEY ("home_id") REFERENCES "public"."homes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_link_id_partner_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."partner_links"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "decisions" ADD CONSTRAINT "decisions_agreement_version_id_agreement_versions_id_fk" FOREIGN KEY ("agreement_version_id") REFERENCES "public"."agreement_versions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "device_shadow" ADD CONSTRAINT "device_shadow_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_partner_id_partners_id_fk" FOREIGN KEY ("partner_id") REFERENCES "public"."partners"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_link_id_partner_links_id_fk" FOREIGN KEY ("link_id") REFERENCES "public"."partner_links"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_home_id_homes_id_fk" FOREIGN KEY ("home_id") REFERENCES "public"."homes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbox" ADD CONSTRAINT "outbox_decision_id_decisions_id_fk" FOREIGN KEY ("decision_id") REFERENCES "public"."decisions"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "state_events" ADD CONSTRAINT "state_events_device_id_devices_id_fk" FOREIGN KEY ("device_id") REFERENCES "public"."devices"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "state_events" ADD CONSTRAINT "state_events_home_id_homes_id_fk" FOREIGN KEY ("home_id") REFERENCES "public"."homes"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "audit_log" ADD CONSTRAINT "audit_log_actor_id_users_id_fk" FOREIGN KEY ("actor_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "certifications_model_programme_uq" ON "certifications" USING btree ("model_id","programme_id");--> statement-breakpoint
CREATE INDEX "certifications_valid_until_idx" ON "certifications" USING btree ("valid_until");--> statement-breakpoint
CREATE INDEX "programmes_partner_idx" ON "programmes" USING btree ("partner_id");--> statement-breakpoint
CREATE INDEX "retail_channels_partner_idx" ON "retail_channels" USING btree ("partner_id");--> statement-breakpoint
CREATE UNIQUE INDEX "retail_listings_sku_channel_uq" ON "retail_listings" USING btree ("sku_id","channel_id");--> statement-breakpoint
CREATE INDEX "skus_model_idx" ON "skus" USING btree ("model_id");--> statement-breakpoint
CREATE UNIQUE INDEX "consents_home_partner_category_version_uq" ON "consents" USING btree ("home_id","partner_id","category_key","version");--> statement-breakpoint
CREATE INDEX "consents_partner_idx" ON "consents" USING btree ("partner_id","category_key");--> statement-breakpoint
CREATE INDEX "deletion_requests_status_deadline_idx" ON "deletion_requests" USING btree ("status","deadline");--> statement-breakpoint
CREATE INDEX "devices_home_idx" ON "devices" USING btree ("home_id");--> statement-breakpoint
CREATE INDEX "devices_model_idx" ON "devices" USING btree ("model_id");--> statement-breakpoint
CREATE INDEX "home_memberships_user_idx" ON "home_memberships" USING btree ("user_id");--> statement-breakpoint
CREATE UNIQUE INDEX "partner_links_home_partner_uq" ON "partner_links" USING btree ("home_id","partner_id");--> statement-breakpoint
CREATE INDEX "partner_links_partner_status_idx" ON "partner_links" USING btree ("partner_id","status");--> statement-breakpoint
CREATE UNIQUE INDEX "agreement_clauses_version_key_uq" ON "agreement_clauses" USING btree ("version_id","clause_key");--> statement-breakpoint
CREATE INDEX "agreement_signoffs_version_idx" ON "agreement_signoffs" USING btree ("version_id");--> statement-breakpoint
CREATE INDEX "agreement_version_events_version_idx" ON "agreement_version_events" USING btree ("version_id","at");--> statement-breakpoint
CREATE UNIQUE INDEX "agreement_versions_agreement_version_uq" ON "agreement_versions" USING btree ("agreement_id","version");--> statement-breakpoint
CREATE INDEX "agreement_versions_status_idx" ON "agreement_versions" USING btree ("status","effective_from");--> statement-breakpoint
CREATE INDEX "agreements_partner_idx" ON "agreements" USING btree ("partner_id");--> statement-breakpoint
CREATE UNIQUE INDEX "alerts_kind_subject_threshold_uq" ON "alerts" USING btree ("kind","subject_id","threshold_days");--> statement-breakpoint
CREATE INDEX "alerts_partner_idx" ON "alerts" USING btree ("partner_id","raised_at");--> statement-breakpoint
CREATE INDEX "partner_demands_partner_status_idx" ON "partner_demands" USING btree ("partner_id","status");--> statement-breakpoint
CREATE INDEX "decisions_home_decided_idx" ON "decisions" USING btree ("home_id","decided_at","id");--> statement-breakpoint
CREATE INDEX "decisions_partner_decided_idx" ON "decisions" USING btree ("partner_id","decided_at");--> statement-breakpoint
CREATE INDEX "decisions_device_decided_idx" ON "decisions" USING btree ("device_id","decided_at");--> statement-breakpoint
CREATE INDEX "decisions_audit_seq_idx" ON "decisions" USING btree ("audit_seq");--> statement-breakpoint
CREATE INDEX "outbox_due_idx" ON "outbox" USING btree ("status","next_attempt_at","id");--> statement-breakpoint
CREATE INDEX "outbox_partner_created_idx" ON "outbox" USING btree ("partner_id","created_at");--> statement-breakpoint
CREATE INDEX "quarantine_received_idx" ON "quarantine" USING btree ("received_at");--> statement-breakpoint
CREATE INDEX "quarantine_reason_idx" ON "quarantine" USING btree ("reason_code");--> statement-breakpoint
CREATE UNIQUE INDEX "state_events_device_seq_uq" ON "state_events" USING btree ("device_id","seq");--> statement-breakpoint
CREATE INDEX "state_events_home_observed_idx" ON "state_events" USING btree ("home_id","observed_at");--> statement-breakpoint
CREATE INDEX "state_events_observed_idx" ON "state_events" USING btree ("observed_at");--> statement-breakpoint
CREATE INDEX "audit_log_entity_idx" ON "audit_log" USING btree ("entity_type","entity_id");