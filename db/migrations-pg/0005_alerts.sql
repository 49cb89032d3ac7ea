CREATE TABLE "alert" (
	"id" text PRIMARY KEY NOT NULL,
	"event" text NOT NULL,
	"webhook" text,
	"subject" text NOT NULL,
	"message" text NOT NULL,
	"payload" text NOT NULL,
	"created" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "alert_read" (
	"alert" text NOT NULL,
	"user" text NOT NULL,
	"read_at" bigint NOT NULL,
	CONSTRAINT "alert_read_alert_user_pk" PRIMARY KEY("alert","user")
);
--> statement-breakpoint
CREATE TABLE "alert_send" (
	"id" text PRIMARY KEY NOT NULL,
	"alert" text NOT NULL,
	"channel" text NOT NULL,
	"target" text NOT NULL,
	"status" text NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"next_attempt" bigint NOT NULL,
	"lease_until" bigint,
	"created" bigint NOT NULL,
	"modified" bigint NOT NULL
);
--> statement-breakpoint
CREATE TABLE "webhook_health" (
	"webhook" text PRIMARY KEY NOT NULL,
	"failing_since" bigint,
	"last_failure" bigint,
	"last_error" text,
	"warned" integer DEFAULT 0 NOT NULL,
	"recovered_at" bigint,
	"disabled_at" bigint,
	"exhausted" integer DEFAULT 0 NOT NULL,
	"exhausted_alerted" integer DEFAULT 0 NOT NULL,
	"exhausted_alert_at" bigint,
	"last_exhausted_log" text,
	"modified" bigint NOT NULL
);
--> statement-breakpoint
ALTER TABLE "user" ADD COLUMN "send_alert_emails" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "webhook" ADD COLUMN "disable_after" double precision DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE "alert_read" ADD CONSTRAINT "alert_read_alert_alert_id_fk" FOREIGN KEY ("alert") REFERENCES "public"."alert"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "alert_read" ADD CONSTRAINT "alert_read_user_user_name_fk" FOREIGN KEY ("user") REFERENCES "public"."user"("name") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
ALTER TABLE "alert_send" ADD CONSTRAINT "alert_send_alert_alert_id_fk" FOREIGN KEY ("alert") REFERENCES "public"."alert"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_health" ADD CONSTRAINT "webhook_health_webhook_webhook_name_fk" FOREIGN KEY ("webhook") REFERENCES "public"."webhook"("name") ON DELETE cascade ON UPDATE cascade;--> statement-breakpoint
CREATE INDEX "alert_created_idx" ON "alert" USING btree ("created");--> statement-breakpoint
CREATE INDEX "alert_read_user_idx" ON "alert_read" USING btree ("user");--> statement-breakpoint
CREATE INDEX "alert_send_due_idx" ON "alert_send" USING btree ("status","next_attempt");--> statement-breakpoint
CREATE INDEX "alert_send_alert_idx" ON "alert_send" USING btree ("alert");