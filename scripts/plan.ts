/**
 * Offline plan: evaluates index.ts against mocked Azure with a stack's config (default: dev) and
 * prints every resource with its type, name, key inputs and what it waits on, then the login guide.
 * Needs no cloud credentials and no Pulumi CLI.  Usage: npm run plan [-- <stack>]
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { installMockCloud, settle, valueOf } from "./offline/mockCloud";
import { renderPlan } from "./offline/planReport";

async function main(): Promise<void> {
  const stack = process.argv[2] ?? "dev";
  const root = path.resolve(__dirname, "..");
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  const config = (parse(fs.readFileSync(file, "utf8"))?.config ?? {}) as Record<string, unknown>;
  const cloud = installMockCloud({ config, stack });
  await cloud.ready;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const program = require(path.join(root, "index.ts")) as Record<string, unknown>;
  await settle();
  const guide = program.loginGuideMarkdown;
  const guideText = guide ? await valueOf(guide as never) : "(no login guide exported)";
  process.stdout.write(
    `${renderPlan(cloud.resources, `Offline plan for stack "${stack}" (${path.basename(file)}; Azure mocked, nothing contacted)`)}\n\n${guideText}\n`,
  );
}

main().catch((e) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
