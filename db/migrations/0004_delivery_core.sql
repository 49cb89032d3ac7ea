ALTER TABLE `delivery` ADD `sign` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `delivery` ADD `held` integer DEFAULT false NOT NULL;--> statement-breakpoint
CREATE INDEX `delivery_claim_idx` ON `delivery` (`queue`,`held`,`due_at`);--> statement-breakpoint
CREATE INDEX `delivery_webhook_idx` ON `delivery` (`webhook`);--> statement-breakpoint
ALTER TABLE `job` ADD `skipped` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `job` ADD `payload` text;--> statement-breakpoint
ALTER TABLE `job` ADD `lease_owner` text;--> statement-breakpoint
ALTER TABLE `job` ADD `lease_until` integer;--> statement-breakpoint
ALTER TABLE `webhook_request_log` ADD `request_headers` text;--> statement-breakpoint
ALTER TABLE `webhook_request_log` ADD `held` integer DEFAULT false NOT NULL;--> statement-breakpoint
-- A pending delivery's request moves to its log row (the next migration drops it from
-- delivery). Its headers arrive here in clear; db/migrate.ts seals them right after.
UPDATE `webhook_request_log` SET
  `request_headers` = (SELECT `headers` FROM `delivery` WHERE `delivery`.`log` = `webhook_request_log`.`name` LIMIT 1),
  `url` = coalesce((SELECT `url` FROM `delivery` WHERE `delivery`.`log` = `webhook_request_log`.`name` LIMIT 1), `url`),
  `request_method` = coalesce((SELECT `method` FROM `delivery` WHERE `delivery`.`log` = `webhook_request_log`.`name` LIMIT 1), `request_method`),
  `data` = coalesce((SELECT `body` FROM `delivery` WHERE `delivery`.`log` = `webhook_request_log`.`name` LIMIT 1), `data`)
WHERE `name` IN (SELECT `log` FROM `delivery`);
