/**
 * Runs one program under the mocks in a child process, the way the Pulumi language host runs a
 * program: a failure during deployment (an Output that rejects, a lookup that finds nobody) surfaces
 * as an unhandled rejection and ends the run. Jest's sandbox swallows those, so tests that need to see
 * them use this instead of `evaluate`.
 *
 * Child side: `tsx tests/support/deploymentRun.ts <module> <export>` prints one JSON line.
 */
import { spawnSync } from "child_process";
import * as path from "path";
import type { MockCloudOptions } from "../../scripts/offline/mockCloud";

export interface DeploymentOutcome {
  registered: { type: string; name: string }[];
  errors: string[];
}

/**
 * Runs `exportName` from `modulePath` (a file exporting `() => void` programs) in a fresh process, with
 * the mock cloud set up from `cloud` (plain data: it crosses the process boundary as JSON).
 */
export function runDeployment(modulePath: string, exportName: string, cloud: MockCloudOptions = {}): DeploymentOutcome {
  const tsx = path.resolve(__dirname, "../../node_modules/.bin/tsx");
  const result = spawnSync(tsx, [__filename, modulePath, exportName], {
    encoding: "utf8",
    timeout: 60_000,
    env: { ...process.env, MOCK_CLOUD_OPTIONS: JSON.stringify(cloud) },
  });
  const line = result.stdout.split("\n").find((l) => l.startsWith("{"));
  if (!line) throw new Error(`deployment run printed no result (exit ${result.status}): ${result.stderr}`);
  return JSON.parse(line) as DeploymentOutcome;
}

async function child(modulePath: string, exportName: string): Promise<void> {
  const { installMockCloud, settle } = await import("../../scripts/offline/mockCloud");
  const { DIRECTORY } = await import("./fixtures");
  const options = JSON.parse(process.env.MOCK_CLOUD_OPTIONS ?? "{}") as MockCloudOptions;
  const cloud = installMockCloud({ directory: DIRECTORY, ...options });
  await cloud.ready;
  const errors: string[] = [];
  // The language host reports each error object once, however many awaiters it reaches (run.js's
  // uncaughtHandler keeps the logged ones by identity); so does this.
  const reported = new Set<unknown>();
  process.on("unhandledRejection", (reason) => {
    if (reported.has(reason)) return;
    reported.add(reason);
    errors.push(reason instanceof Error ? reason.message : String(reason));
  });
  const programs = (await import(path.resolve(modulePath))) as Record<string, () => void>;
  try {
    programs[exportName]();
  } catch (e) {
    errors.push(e instanceof Error ? e.message : String(e));
  }
  await Promise.race([settle(), new Promise((r) => setTimeout(r, 1500))]);
  process.stdout.write(`${JSON.stringify({ registered: cloud.resources.map((r) => ({ type: r.type, name: r.name })), errors })}\n`);
  process.exit(0);
}

if (require.main === module) {
  void child(process.argv[2], process.argv[3]);
}
