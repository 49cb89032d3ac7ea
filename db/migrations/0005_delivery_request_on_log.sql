DROP INDEX `delivery_queue_due_idx`;--> statement-breakpoint
DROP INDEX `delivery_lease_idx`;--> statement-breakpoint
ALTER TABLE `delivery` DROP COLUMN `method`;--> statement-breakpoint
ALTER TABLE `delivery` DROP COLUMN `url`;--> statement-breakpoint
ALTER TABLE `delivery` DROP COLUMN `headers`;--> statement-breakpoint
ALTER TABLE `delivery` DROP COLUMN `body`;