/**
 * The main job on a machine with no Azure: `npm run demo`.
 *
 * 1. starts a throwaway PostgreSQL 17 (PG_MAJOR, Azure's default major) with the pgaadauth stand-in (Entra token login emulated),
 *    and declares the stack's Entra administrators the way Azure would;
 * 2. evaluates index.ts with Pulumi.dev.yaml, pointed at that server as an existing server, and
 *    applies the postgresql resources it registers as the provider would, logged in as the deployer
 *    with its own token;
 * 3. prints the login guide, then logs in as a member of a group exactly as the guide says, and
 *    shows the failure when the member types their own name instead;
 * 4. prints the offline plan of the Azure side (`npm run plan`).
 * Needs root (the stand-in's token check goes through PAM, configured in /etc/pam.d).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { LoginGuideEntry } from "../components";
import { conninfoValue } from "../components/loginGuide";
import { FAKE_DEPLOYER, fakeUuid, installMockCloud, settle, valueOf } from "./offline/mockCloud";
import { dependencyOrder } from "./offline/planReport";
import { startCluster } from "../tests/e2e/harness/cluster";
import { applyResources, emptyState } from "../tests/e2e/apply/translator";
import { FakeAz } from "../tests/e2e/support/login";

const ROOT = path.resolve(__dirname, "..");
const NS = "entra-postgres";

interface Principal {
  name: string;
  type: "User" | "Group" | "ServicePrincipal" | "ManagedIdentity";
  objectId?: string;
}

async function main(): Promise<void> {
  const config = parse(fs.readFileSync(path.join(ROOT, "Pulumi.dev.yaml"), "utf8")).config as Record<string, unknown>;
  const deployer = config[`${NS}:deployer`] as Principal;
  // The deployer is who the stack config says (deployer.objectId), as in CI; FAKE_DEPLOYER is the mocks' runner.
  const deployerId = deployer.objectId ?? FAKE_DEPLOYER;
  const admins = [...((config[`${NS}:administrators`] as Principal[]) ?? []), { ...deployer, objectId: deployerId }];
  const access = (config[`${NS}:access`] as { principal: { name: string; type: string; objectId?: string } }[]) ?? [];

  section("1. A local PostgreSQL with the pgaadauth stand-in");
  const cluster = await startCluster({ groupSync: config[`${NS}:groupSync`] === true });
  try {
    for (const a of admins) {
      await cluster.declareAdministrator(
        a.name,
        a.objectId ?? fakeUuid(a.name),
        a.type === "ManagedIdentity" ? "ServicePrincipal" : a.type,
      );
      console.log(`administrator ${a.name} (${a.type}) declared, as ARM would`);
    }

    section("2. index.ts applied to it (Pulumi.dev.yaml, existing-server mode)");
    const existingServer = {
      fqdn: cluster.host,
      port: cluster.port,
      groupSync: false,
      administrators: admins.map(({ name, type }) => ({ name, type })),
    };
    const { [`${NS}:deployerIpAddress`]: _ignored, ...withoutAddress } = config;
    const cloud = installMockCloud({ config: { ...withoutAddress, [`${NS}:existingServer`]: existingServer } });
    await cloud.ready;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require(path.join(ROOT, "index.ts")) as { loginGuide: never; loginGuideMarkdown: never };
    await settle();
    const sql = dependencyOrder(cloud.resources).filter((r) => r.type.startsWith("postgresql:index/"));
    const token = cluster.token({ oid: deployerId });
    // One stack state across both runs, as `pulumi up` twice on the same stack.
    const state = emptyState();
    const connect = () => (db: string) => cluster.connectAs(deployer.name, token, db);
    const providerSettings = { username: deployer.name, superuser: false, databaseDefault: "postgres" };
    const report = await applyResources(sql, state, connect, providerSettings);
    console.log(
      `first up: ${report.created.length} resources created by ${deployer.name} with its own token ` +
        `(${report.statements.filter((s) => s.kind === "write").length} writing statements)`,
    );
    const again = await applyResources(sql, state, connect, providerSettings, { refresh: true });
    console.log(
      `second apply: ${again.unchanged.length} unchanged, ${again.created.length + again.updated.length + again.replaced.length} changed`,
    );

    section("3. The login guide (stack output loginGuideMarkdown)");
    console.log(await valueOf(program.loginGuideMarkdown));
    const guide = (await valueOf(program.loginGuide)) as LoginGuideEntry[];

    section("4. A group member logs in exactly as the guide says");
    const group = access.find((e) => e.principal.type === "Group" && e.principal.objectId);
    if (!group) throw new Error("Pulumi.dev.yaml has no group with an object id in access");
    const entry = guide.find((e) => e.principal === group.principal.name)!;
    const member = { name: "alice@contoso.com", oid: fakeUuid("alice@contoso.com") };
    const memberToken = cluster.token({ oid: member.oid, groups: [group.principal.objectId!] });
    console.log(`${member.name} is a member of "${group.principal.name}"; \`az\` here prints her token.`);
    console.log(`$ ${entry.psql}`);
    const az = new FakeAz();
    const ok = await az.runShell(entry.psql, memberToken, "select current_user as logged_in_as, session_user;");
    console.log(`${ok.stdout}${ok.stderr}`.trim());

    section(`5. The same member with her own name as username fails`);
    const ownName = entry.psql.replace(`user=${conninfoValue(entry.username)}`, `user=${conninfoValue(member.name)}`);
    console.log(`$ ${ownName}`);
    const denied = await az.runShell(ownName, memberToken, "select 1;");
    az.remove();
    console.log(`${denied.stdout}${denied.stderr}`.trim());
    console.log('(Azure words it "password authentication failed"; the stand-in checks tokens through PAM.)');
    if (ok.code !== 0 || denied.code === 0) throw new Error("the demo's logins did not behave as the guide says");
  } finally {
    await cluster.stop();
  }

  section("6. The Azure side: offline plan (npm run plan)");
  const plan = spawnSync(path.join(ROOT, "node_modules/.bin/tsx"), [path.join(ROOT, "scripts/plan.ts"), "dev"], { encoding: "utf8" });
  process.stdout.write(plan.stdout.split("\n# How to log in")[0]);
  if (plan.status !== 0) throw new Error(plan.stderr);
}

function section(title: string): void {
  console.log(`\n=== ${title} ===\n`);
}

main().catch((e) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
