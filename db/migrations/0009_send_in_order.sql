ALTER TABLE `webhook` ADD `send_in_order` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `delivery` ADD `order_key` text;--> statement-breakpoint
CREATE INDEX `delivery_order_idx` ON `delivery` (`webhook`,`order_key`) WHERE order_key IS NOT NULL;