CREATE TABLE "webhook_rate_slot" (
	"webhook" text PRIMARY KEY NOT NULL,
	"next_at" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "webhook" ADD COLUMN "max_requests_per_second" double precision;--> statement-breakpoint
ALTER TABLE "delivery" ADD COLUMN "rate_slot" bigint;--> statement-breakpoint
ALTER TABLE "webhook_rate_slot" ADD CONSTRAINT "webhook_rate_slot_webhook_webhook_name_fk" FOREIGN KEY ("webhook") REFERENCES "public"."webhook"("name") ON DELETE cascade ON UPDATE cascade;