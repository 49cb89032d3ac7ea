ALTER TABLE "document" ALTER COLUMN "data" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "version" ALTER COLUMN "data" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "event" ALTER COLUMN "routing" SET DATA TYPE json;--> statement-breakpoint
ALTER TABLE "event" ALTER COLUMN "routing" SET DEFAULT '[]'::json;