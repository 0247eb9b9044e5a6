/**
 * Acceptance test against real Azure through the Automation API, on this project with a throwaway
 * stack: `up` (with the policy pack); a second `up` that must change nothing; a login as the deployer
 * with the psql command of its login-guide entry; then `destroy` and `stack rm`, whatever happened.
 * Not part of `npm test`: it takes real Azure, 15-30 minutes and a few cents.
 *
 * Needs the Pulumi CLI logged in to a backend, psql, an Azure login the providers can use (CI:
 * .github/workflows/acceptance.yml; locally: `az login`) and:
 *   ACCEPTANCE_RESOURCE_GROUP  an existing resource group the identity may create servers in
 *   ACCEPTANCE_DEPLOYER        the identity's login name: a UPN, or a service principal's display name
 *   ACCEPTANCE_DEPLOYER_TYPE   User | ServicePrincipal | ManagedIdentity (default ServicePrincipal)
 *   ACCEPTANCE_LOCATION        Azure region (default: the resource group's)
 *   ACCEPTANCE_STACK           stack name (default acceptance-<time>)
 *
 * Usage: npm run acceptance            the whole run
 *        npm run acceptance -- destroy destroy and remove ACCEPTANCE_STACK if it exists (cleanup step)
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { ConfigMap, LocalWorkspace, OpMap, Stack, StackNotFoundError } from "@pulumi/pulumi/automation";
import type { PrincipalArgs, PrincipalType } from "../components";
import type { LoginGuideEntry } from "../components/loginGuide";

const root = path.resolve(__dirname, "..");
const namespace = "entra-postgres";
// The dev rules: the throwaway server is Burstable, without HA or geo backup.
const policy = {
  policyPacks: [path.join(root, "policy")],
  policyPackConfigs: [path.join(root, "policy", "config", "dev.json")],
};
const onOutput = (out: string) => process.stdout.write(out);

async function main(): Promise<void> {
  const stackName = process.env.ACCEPTANCE_STACK ?? `acceptance-${Date.now().toString(36)}`;
  if (process.argv[2] === "destroy") return destroyLeftover(stackName);

  const deployer: PrincipalArgs = {
    name: required("ACCEPTANCE_DEPLOYER"),
    type: (process.env.ACCEPTANCE_DEPLOYER_TYPE ?? "ServicePrincipal") as PrincipalType,
  };
  const deployerIpAddress = await publicIpAddress();
  const stack = await LocalWorkspace.createStack({ stackName, workDir: root });
  try {
    await stack.setAllConfig(stackConfig(stackName, deployer, deployerIpAddress));
    step(`up ${stackName}`);
    await stack.up({ onOutput, ...policy });

    step("second up: must change nothing");
    const second = await stack.up({ onOutput, ...policy });
    const changes = changed(second.summary.resourceChanges);
    if (changes.length > 0) throw new Error(`the second up was not a no-op: ${changes.join(", ")}`);

    step(`login as ${deployer.name}, as the login guide says`);
    loginAsGuideSays(second.outputs.loginGuide?.value as LoginGuideEntry[] | undefined, deployer.name);
    step("acceptance passed");
  } finally {
    // Destroy even after a failure; if destroying fails too, say so without hiding the first error.
    await destroyAndRemove(stack).catch((e: unknown) => {
      console.error(`destroy failed: ${e instanceof Error ? e.message : String(e)}`);
      process.exitCode = 1;
    });
  }
}

/** A small, cheap server in its own stack; values that are objects go in as JSON, as config.getObject reads them. */
function stackConfig(stackName: string, deployer: PrincipalArgs, deployerIpAddress: string): ConfigMap {
  const values: Record<string, unknown> = {
    resourceGroupName: required("ACCEPTANCE_RESOURCE_GROUP"),
    location: process.env.ACCEPTANCE_LOCATION,
    // Server names are global DNS labels: derive one from the stack name, which is unique per run.
    serverName: `pg-${stackName.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`.slice(0, 63).replace(/-+$/, ""),
    sku: { name: "Standard_B1ms", tier: "Burstable" },
    deployer,
    deployerIpAddress,
    databases: [{ name: "orders", schemas: ["public", "reporting"] }],
    tags: { purpose: "acceptance", stack: stackName },
  };
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [`${namespace}:${k}`, { value: typeof v === "string" ? v : JSON.stringify(v) }]),
  );
}

/** Operations other than "same" in an update summary, e.g. ["update: 1"]. */
function changed(ops: OpMap | undefined): string[] {
  return Object.entries(ops ?? {})
    .filter(([op, count]) => op !== "same" && (count ?? 0) > 0)
    .map(([op, count]) => `${op}: ${count}`);
}

/** Runs the psql command of the deployer's guide entry and checks who and where it landed. */
function loginAsGuideSays(guide: LoginGuideEntry[] | undefined, principal: string): void {
  const entry = guide?.find((e) => e.principal === principal);
  if (!entry) throw new Error(`the stack's loginGuide output has no entry for ${principal}`);
  refreshAzureCliLogin();
  console.log(entry.psql);
  const out = execFileSync("bash", ["-c", `${entry.psql} -v ON_ERROR_STOP=1 -tA -F ' ' -c 'select current_user, current_database()'`], {
    encoding: "utf8",
  }).trim();
  const expected = `${principal} ${entry.databases[0]}`;
  if (out !== expected) throw new Error(`psql printed ${JSON.stringify(out)}, expected ${JSON.stringify(expected)}`);
  console.log(`logged in: ${out}`);
}

/**
 * The guide's token command asks the az CLI. In CI, az logged in at the start of the job with a GitHub
 * token that has expired since (they last 5 minutes), so log in again with the fresh one that
 * .github/scripts/azure-federated-token.sh keeps, the way the guide's service-principal sign-in says.
 */
function refreshAzureCliLogin(): void {
  const tokenFile = process.env.AZURE_FEDERATED_TOKEN_FILE;
  if (!tokenFile) return; // a workstation: your own `az login` stands
  const args = ["login", "--service-principal", "--username", required("AZURE_CLIENT_ID"), "--tenant", required("AZURE_TENANT_ID")];
  execFileSync("az", [...args, "--federated-token", fs.readFileSync(tokenFile, "utf8"), "--allow-no-subscriptions", "--output", "none"]);
}

async function destroyAndRemove(stack: Stack): Promise<void> {
  step(`destroy ${stack.name}`);
  // With the program's provider, not the one recorded by the last run (which may be another administrator).
  await stack.destroy({ onOutput, runProgram: true });
  await stack.workspace.removeStack(stack.name);
}

/** The cleanup step after a failed or cancelled run: nothing to do when the stack is gone. */
async function destroyLeftover(stackName: string): Promise<void> {
  try {
    await destroyAndRemove(await LocalWorkspace.selectStack({ stackName, workDir: root }));
  } catch (e) {
    if (!(e instanceof StackNotFoundError)) throw e;
    console.log(`no stack ${stackName}: nothing to clean up`);
  }
}

async function publicIpAddress(): Promise<string> {
  // The deployer firewall rule admits this machine; GitHub-hosted runners have no fixed address.
  const response = await fetch("https://api.ipify.org");
  if (!response.ok) throw new Error(`could not learn this machine's public address: HTTP ${response.status}`);
  return (await response.text()).trim();
}

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name} (see scripts/acceptance.ts)`);
  return value;
}

function step(message: string): void {
  console.log(`\n== acceptance: ${message}`);
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
