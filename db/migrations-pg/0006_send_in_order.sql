ALTER TABLE "webhook" ADD COLUMN "send_in_order" boolean DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE "delivery" ADD COLUMN "order_key" text;--> statement-breakpoint
CREATE INDEX "delivery_order_idx" ON "delivery" USING btree ("webhook","order_key") WHERE order_key IS NOT NULL;