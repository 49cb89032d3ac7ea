CREATE TABLE `webhook_rate_slot` (
	`webhook` text PRIMARY KEY NOT NULL,
	`next_at` integer NOT NULL,
	FOREIGN KEY (`webhook`) REFERENCES `webhook`(`name`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `webhook` ADD `max_requests_per_second` real;--> statement-breakpoint
ALTER TABLE `delivery` ADD `rate_slot` integer;