-- SmartThings is a platform of its own (packages/partners/src/smartthings), no longer a webhook.
-- IF NOT EXISTS: a database an older test built and seeded with today's vocabulary may have it.
ALTER TYPE "public"."partner_adapter" ADD VALUE IF NOT EXISTS 'smartthings' BEFORE 'webhook';
