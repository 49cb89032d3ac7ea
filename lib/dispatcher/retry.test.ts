import { describe, expect, it } from "vitest";
import { EnvError } from "@/lib/env";
import { loadDispatcherConfig } from "./config";
import { parseRetryAfter, retryDelayMs, verdictFor } from "./retry";
import { newId } from "@/lib/ids";

describe("retry schedule", () => {
  const cfg = loadDispatcherConfig({ WEBHOOK_RETRY_JITTER: "0" });
  it("follows 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and repeats the last step", () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((n) => retryDelayMs(n, cfg) / 1000)).toEqual([5, 300, 1800, 7200, 18000, 36000, 36000]);
  });
  it("jitters within ±20%", () => {
    const j = { ...cfg, jitter: true };
    expect(retryDelayMs(1, j, undefined, () => 0)).toBe(4000);
    expect(retryDelayMs(1, j, undefined, () => 1)).toBe(6000);
  });
  it("honours Retry-After, bounded", () => {
    expect(retryDelayMs(1, cfg, 2000)).toBe(2000);
    expect(retryDelayMs(1, cfg, 10 * 3600_000)).toBe(3600_000);
  });
  it("parses configuration", () => {
    expect(loadDispatcherConfig({ WEBHOOK_RETRY_SCHEDULE: "0.1, 0.2" }).retryScheduleMs).toEqual([100, 200]);
    expect(loadDispatcherConfig({ WEBHOOK_QUEUE_CONCURRENCY: "short=2,default=3" }).concurrency).toEqual({ short: 2, default: 3, long: 8 });
    expect(() => loadDispatcherConfig({ WEBHOOK_QUEUE_CONCURRENCY: "short=2,bogus=9" })).toThrow(EnvError);
  });
  it("parses Retry-After seconds and dates", () => {
    expect(parseRetryAfter("3")).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4000)).toBe(6000);
    expect(parseRetryAfter("soon")).toBeUndefined();
  });
  it("decides: 2xx delivered, 410 stops, the rest retries until max_retries", () => {
    expect(verdictFor(204, 1, 5)).toBe("delivered");
    expect(verdictFor(410, 1, 5)).toBe("exhausted");
    expect(verdictFor(500, 5, 5)).toBe("retry");
    expect(verdictFor(500, 6, 5)).toBe("exhausted");
    expect(verdictFor(undefined, 1, 0)).toBe("exhausted");
    expect(verdictFor(302, 1, 5)).toBe("retry");
  });
});

describe("newId", () => {
  it("sorts by creation", () => {
    const ids = Array.from({ length: 2000 }, () => newId("msg_"));
    expect([...ids].sort()).toEqual(ids);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
