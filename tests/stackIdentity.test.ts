/**
 * A preview runs as a read-only identity, a deploy as the deployer. The stacks name the deployer's object
 * id in their config (deployer.objectId), so what the program plans does not depend on who runs it: a
 * preview by another identity shows no change to the deployer's administrator.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import type { RecordedResource } from "../scripts/offline/mockCloud";

const root = path.resolve(__dirname, "..");
// Each plan loads index.ts and the components afresh (ts-jest compiles them the first time).
jest.setTimeout(60_000);
/** Not the deployer: the object id the mocks report for the identity running the program. */
const READER = "5e1ad0e7-0000-4000-8000-00000000ead0";

type Config = Record<string, unknown>;

function stackConfig(stack: string): Config {
  return parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")).config as Config;
}

/** index.ts with a stack's config, run by the identity `runner`, in a fresh module registry. */
async function plan(stack: string, config: Config, runner: string | undefined): Promise<RecordedResource[]> {
  let resources: RecordedResource[] = [];
  await jest.isolateModulesAsync(async () => {
    /* eslint-disable @typescript-eslint/no-require-imports */
    const { installMockCloud, settle } = require("../scripts/offline/mockCloud") as typeof import("../scripts/offline/mockCloud");
    const cloud = installMockCloud({ config, stack, ...(runner ? { deployerObjectId: runner } : {}) });
    await cloud.ready;
    require(path.join(root, "index.ts"));
    /* eslint-enable @typescript-eslint/no-require-imports */
    await settle();
    resources = cloud.resources;
  });
  return resources;
}

/** What a preview compares with the stack's state: each resource's URN and inputs. */
const planned = (resources: RecordedResource[]) => resources.map((r) => ({ urn: r.urn, inputs: r.inputs }));

const deployerAdministrator = (resources: RecordedResource[]) =>
  resources.filter(
    (r) => r.type === "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra" && r.inputs.principalName === "ci-orders-deployer",
  );

describe.each(["dev", "prod"])("the %s stack", (stack) => {
  test("plans the same resources with the same inputs whoever runs it, the deployer's administrator from config", async () => {
    const config = stackConfig(stack);
    const asDeployer = await plan(stack, config, undefined);
    const asReader = await plan(stack, config, READER);
    expect(deployerAdministrator(asDeployer)).toHaveLength(1);
    expect(planned(asReader)).toEqual(planned(asDeployer));
    const configured = (config["entra-postgres:deployer"] as { objectId: string }).objectId;
    expect(deployerAdministrator(asReader)[0].inputs.objectId).toBe(configured);
  });

  // The checks above could fail: without deployer.objectId the runner's object id is used, and as it names
  // the administrator in ARM (…/administrators/<object id>), a change replaces it.
  test("without deployer.objectId, a preview by another identity would move the deployer's administrator to itself", async () => {
    const config = stackConfig(stack);
    const { objectId: _dropped, ...deployer } = config["entra-postgres:deployer"] as Record<string, unknown>;
    const without = { ...config, "entra-postgres:deployer": deployer };
    const [asDeployer] = deployerAdministrator(await plan(stack, without, undefined));
    const [asReader] = deployerAdministrator(await plan(stack, without, READER));
    expect(asReader.inputs.objectId).toBe(READER);
    expect(asDeployer.inputs.objectId).not.toBe(READER);
  });
});
