CREATE TABLE `api_key` (
	`key` text PRIMARY KEY NOT NULL,
	`secret_hash` text NOT NULL,
	`user` text NOT NULL,
	`created` integer NOT NULL,
	`last_used` integer,
	FOREIGN KEY (`user`) REFERENCES `user`(`name`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `api_key_user_idx` ON `api_key` (`user`);--> statement-breakpoint
CREATE TABLE `has_role` (
	`user` text NOT NULL,
	`role` text NOT NULL,
	PRIMARY KEY(`user`, `role`),
	FOREIGN KEY (`user`) REFERENCES `user`(`name`) ON UPDATE cascade ON DELETE cascade,
	FOREIGN KEY (`role`) REFERENCES `role`(`name`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `role` (
	`name` text PRIMARY KEY NOT NULL
);
--> statement-breakpoint
CREATE TABLE `user` (
	`name` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`full_name` text DEFAULT '' NOT NULL,
	`password_hash` text,
	`enabled` integer DEFAULT true NOT NULL,
	`created` integer NOT NULL,
	`modified` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `user_email_unique` ON `user` (`email`);--> statement-breakpoint
CREATE TABLE `docfield` (
	`parent` text NOT NULL,
	`idx` integer NOT NULL,
	`fieldname` text NOT NULL,
	`label` text NOT NULL,
	`fieldtype` text NOT NULL,
	`options` text,
	PRIMARY KEY(`parent`, `fieldname`),
	FOREIGN KEY (`parent`) REFERENCES `doctype`(`name`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `doctype` (
	`name` text PRIMARY KEY NOT NULL,
	`module` text DEFAULT 'Custom' NOT NULL,
	`is_submittable` integer DEFAULT false NOT NULL,
	`is_child` integer DEFAULT false NOT NULL,
	`inferred` integer DEFAULT false NOT NULL,
	`created` integer NOT NULL,
	`modified` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `document` (
	`doctype` text NOT NULL,
	`name` text NOT NULL,
	`data` text NOT NULL,
	`deleted` integer DEFAULT false NOT NULL,
	`modified` integer NOT NULL,
	PRIMARY KEY(`doctype`, `name`)
);
--> statement-breakpoint
CREATE INDEX `document_doctype_modified_idx` ON `document` (`doctype`,`modified`);--> statement-breakpoint
CREATE TABLE `version` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`ref_doctype` text NOT NULL,
	`docname` text NOT NULL,
	`data` text NOT NULL,
	`owner` text NOT NULL,
	`created` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `version_ref_idx` ON `version` (`ref_doctype`,`docname`,`created`);--> statement-breakpoint
CREATE TABLE `webhook` (
	`name` text PRIMARY KEY NOT NULL,
	`webhook_doctype` text NOT NULL,
	`webhook_docevent` text NOT NULL,
	`webhook_events` text DEFAULT '[]' NOT NULL,
	`enabled` integer DEFAULT true NOT NULL,
	`condition` text DEFAULT '' NOT NULL,
	`request_url` text NOT NULL,
	`is_dynamic_url` integer DEFAULT false NOT NULL,
	`timeout` integer DEFAULT 5 NOT NULL,
	`background_jobs_queue` text DEFAULT 'default' NOT NULL,
	`request_method` text DEFAULT 'POST' NOT NULL,
	`request_structure` text DEFAULT '' NOT NULL,
	`enable_security` integer DEFAULT false NOT NULL,
	`webhook_secret` text,
	`previous_secret` text,
	`previous_secret_expires` integer,
	`signature_scheme` text DEFAULT 'frappe' NOT NULL,
	`webhook_json` text DEFAULT '' NOT NULL,
	`preview_document` text,
	`max_retries` integer DEFAULT 5 NOT NULL,
	`notification_type` text DEFAULT 'REST' NOT NULL,
	`api_key` text,
	`api_key_header` text DEFAULT 'X-API-Key' NOT NULL,
	`owner` text DEFAULT 'Administrator' NOT NULL,
	`modified_by` text DEFAULT 'Administrator' NOT NULL,
	`created` integer NOT NULL,
	`modified` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_doctype_idx` ON `webhook` (`webhook_doctype`,`enabled`);--> statement-breakpoint
CREATE TABLE `webhook_data` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`parent` text NOT NULL,
	`idx` integer NOT NULL,
	`fieldname` text DEFAULT '' NOT NULL,
	`key` text DEFAULT '' NOT NULL,
	FOREIGN KEY (`parent`) REFERENCES `webhook`(`name`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_data_parent_idx` ON `webhook_data` (`parent`,`idx`);--> statement-breakpoint
CREATE TABLE `webhook_header` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`parent` text NOT NULL,
	`idx` integer NOT NULL,
	`key` text DEFAULT '' NOT NULL,
	`value` text DEFAULT '' NOT NULL,
	FOREIGN KEY (`parent`) REFERENCES `webhook`(`name`) ON UPDATE cascade ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_header_parent_idx` ON `webhook_header` (`parent`,`idx`);--> statement-breakpoint
CREATE TABLE `delivery` (
	`id` text PRIMARY KEY NOT NULL,
	`log` text NOT NULL,
	`webhook` text,
	`queue` text DEFAULT 'default' NOT NULL,
	`method` text NOT NULL,
	`url` text NOT NULL,
	`headers` text NOT NULL,
	`body` text DEFAULT '' NOT NULL,
	`timeout_ms` integer NOT NULL,
	`max_retries` integer NOT NULL,
	`attempts` integer DEFAULT 0 NOT NULL,
	`manual` integer DEFAULT false NOT NULL,
	`due_at` integer NOT NULL,
	`lease_owner` text,
	`lease_until` integer,
	`created` integer NOT NULL,
	FOREIGN KEY (`log`) REFERENCES `webhook_request_log`(`name`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `delivery_queue_due_idx` ON `delivery` (`queue`,`due_at`);--> statement-breakpoint
CREATE INDEX `delivery_lease_idx` ON `delivery` (`lease_until`);--> statement-breakpoint
CREATE INDEX `delivery_log_idx` ON `delivery` (`log`);--> statement-breakpoint
CREATE TABLE `event` (
	`id` text PRIMARY KEY NOT NULL,
	`idempotency_key` text,
	`doctype` text NOT NULL,
	`event` text NOT NULL,
	`docname` text NOT NULL,
	`user` text,
	`api_key` text,
	`posted_by` text,
	`routing` text DEFAULT '[]' NOT NULL,
	`created` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `event_idempotency_key_idx` ON `event` (`idempotency_key`);--> statement-breakpoint
CREATE INDEX `event_created_idx` ON `event` (`created`);--> statement-breakpoint
CREATE INDEX `event_doc_idx` ON `event` (`doctype`,`docname`);--> statement-breakpoint
CREATE TABLE `job` (
	`id` text PRIMARY KEY NOT NULL,
	`kind` text NOT NULL,
	`status` text NOT NULL,
	`total` integer DEFAULT 0 NOT NULL,
	`done` integer DEFAULT 0 NOT NULL,
	`error` text,
	`owner` text NOT NULL,
	`created` integer NOT NULL,
	`modified` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `setting` (
	`key` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL,
	`modified` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `webhook_request_attempt` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`log` text NOT NULL,
	`attempt` integer NOT NULL,
	`started` integer NOT NULL,
	`success` integer NOT NULL,
	`http_status` integer,
	`duration_ms` integer,
	`response` text,
	`error` text,
	`manual` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`log`) REFERENCES `webhook_request_log`(`name`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `webhook_request_attempt_log_idx` ON `webhook_request_attempt` (`log`,`attempt`);--> statement-breakpoint
CREATE TABLE `webhook_request_log` (
	`name` text PRIMARY KEY NOT NULL,
	`webhook` text,
	`reference_document` text,
	`headers` text,
	`data` text,
	`user` text,
	`url` text,
	`response` text,
	`error` text,
	`reference_doctype` text,
	`doc_event` text,
	`request_method` text,
	`event` text,
	`status` text NOT NULL,
	`http_status` integer,
	`attempts` integer DEFAULT 0 NOT NULL,
	`next_retry` integer,
	`duration_ms` integer,
	`is_test` integer DEFAULT false NOT NULL,
	`created` integer NOT NULL,
	`modified` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `webhook_request_log_created_idx` ON `webhook_request_log` (`created`,`name`);--> statement-breakpoint
CREATE INDEX `webhook_request_log_webhook_idx` ON `webhook_request_log` (`webhook`,`created`);--> statement-breakpoint
CREATE INDEX `webhook_request_log_status_idx` ON `webhook_request_log` (`status`,`created`);--> statement-breakpoint
CREATE INDEX `webhook_request_log_reference_idx` ON `webhook_request_log` (`reference_doctype`,`reference_document`,`created`);--> statement-breakpoint
CREATE INDEX `webhook_request_log_event_idx` ON `webhook_request_log` (`event`);