CREATE TABLE `alert` (
	`id` text PRIMARY KEY NOT NULL,
	`event` text NOT NULL,
	`webhook` text,
	`subject` text NOT NULL,
	`message` text NOT NULL,
	`payload` text NOT NULL,
	`created` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `alert_created_idx` ON `alert` (`created`);--> statement-breakpoint
CREATE TABLE `alert_read` (
	`alert` text NOT NULL,
	`user` text NOT NULL,
	`read_at` integer NOT NULL,
	PRIMARY KEY(`alert`, `user`),
	FOREIGN KEY (`alert`) REFERENCES `alert`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user`) REFERENCES `user`(`name`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `alert_read_user_idx` ON `alert_read` (`user`);--> statement-breakpoint
CREATE TABLE `alert_send` (
	`id` text PRIMARY KEY NOT NULL,
	`alert` text NOT NULL,
	`channel` text NOT NULL,
	`target` text NOT NULL,
	`status` text NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`next_attempt` integer NOT NULL,
	`lease_until` integer,
	`created` integer NOT NULL,
	`modified` integer NOT NULL,
	FOREIGN KEY (`alert`) REFERENCES `alert`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `alert_send_due_idx` ON `alert_send` (`status`,`next_attempt`);--> statement-breakpoint
CREATE INDEX `alert_send_alert_idx` ON `alert_send` (`alert`);--> statement-breakpoint
CREATE TABLE `webhook_health` (
	`webhook` text PRIMARY KEY NOT NULL,
	`failing_since` integer,
	`last_failure` integer,
	`last_error` text,
	`warned` integer DEFAULT 0 NOT NULL,
	`recovered_at` integer,
	`disabled_at` integer,
	`exhausted` integer DEFAULT 0 NOT NULL,
	`exhausted_alerted` integer DEFAULT 0 NOT NULL,
	`exhausted_alert_at` integer,
	`last_exhausted_log` text,
	`modified` integer NOT NULL,
	FOREIGN KEY (`webhook`) REFERENCES `webhook`(`name`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
ALTER TABLE `user` ADD `send_alert_emails` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `webhook` ADD `disable_after` real DEFAULT 5 NOT NULL;