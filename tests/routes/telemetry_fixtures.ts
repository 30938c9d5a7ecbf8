/**
 * An app over a temporary log root with a telemetry monitor whose free space
 * is not measured (tests do not depend on the machine's disk).
 *
 * @module
 */
import type { Hono } from "hono";
import { parseExecutionConfig } from "../../execution/config.ts";
import { opsSettingsOf } from "../../ops/ops_settings.ts";
import { TelemetryMonitor } from "../../ops/telemetry_monitor.ts";
import { createApp } from "../../server/app.ts";

/** The app over `root` (with `toml` as its config, and `token` when given). */
export function telemetryApp(root: string, toml = "", token?: string): Hono {
  const telemetry = new TelemetryMonitor(root, opsSettingsOf(parseExecutionConfig(toml)), {
    measureFree: () => Promise.resolve({ space: null, problem: "not measured in tests" }),
  });
  return createApp({ logDir: root, telemetry, token });
}

/** A same-origin form post of `fields` to `path`, as the console's forms send it. */
export function formPost(
  path: string,
  fields: Record<string, string>,
  headers: Record<string, string> = {},
): Request {
  return new Request(`http://localhost${path}`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      origin: "http://localhost",
      accept: "text/html",
      ...headers,
    },
    body: new URLSearchParams(fields).toString(),
  });
}
