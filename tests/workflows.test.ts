/**
 * The GitHub workflows in .github/workflows. First actionlint, built from the Go module proxy at a
 * pinned version and kept in .tools/bin: it accepts every workflow, and rejects a broken one, so the
 * check can fail. Then what actionlint cannot know: every Azure login is OIDC without a secret, prod
 * deploys only after dev and behind an approved environment, and each stack runs the policy pack with
 * its own config.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";

/** Pinned: the newest release on the module proxy when this was written. Bump it on purpose. */
const ACTIONLINT_VERSION = "v1.7.12";

const root = path.resolve(__dirname, "..");
const toolsBin = path.join(root, ".tools", "bin");
const actionlint = path.join(toolsBin, "actionlint");
const workflowFiles = fs
  .readdirSync(path.join(root, ".github", "workflows"))
  .filter((f) => f.endsWith(".yml"))
  .sort();

/** Builds actionlint unless .tools/bin has this version already: about 20 s on a cold Go cache. */
function ensureActionlint(): void {
  const installed = spawnSync(actionlint, ["-version"], { encoding: "utf8" });
  if (installed.status === 0 && installed.stdout.split("\n")[0].trim() === ACTIONLINT_VERSION) return;
  const go = spawnSync("go", ["install", `github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}`], {
    env: { ...process.env, GOBIN: toolsBin },
    encoding: "utf8",
    timeout: 300_000,
  });
  if (go.error) throw new Error(`building actionlint needs Go 1.25 or later on PATH: ${go.error.message}`);
  if (go.status !== 0) throw new Error(`go install actionlint@${ACTIONLINT_VERSION} failed:\n${go.stderr}`);
}

/** actionlint over files relative to `cwd`; it also runs shellcheck on `run:` scripts when shellcheck is installed. */
function lint(cwd: string, files: string[]): { status: number | null; output: string } {
  const result = spawnSync(actionlint, ["-no-color", ...files], { cwd, encoding: "utf8" });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("actionlint", () => {
  beforeAll(ensureActionlint, 300_000);

  test("accepts every workflow", () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(["acceptance.yml", "deploy.yml", "offline.yml", "preview.yml"]));
    const result = lint(
      root,
      workflowFiles.map((f) => path.join(".github", "workflows", f)),
    );
    expect(result.output).toBe("");
    expect(result.status).toBe(0);
  });

  test("rejects a broken workflow, so the check above can fail", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "actionlint-"));
    fs.mkdirSync(path.join(dir, ".github", "workflows"), { recursive: true });
    fs.writeFileSync(
      path.join(dir, ".github", "workflows", "broken.yml"),
      [
        "on: pull_request",
        "jobs:",
        "  preview:",
        "    runs-on: ubuntu-latest",
        "    permissions:",
        "      id-token: writ",
        "    steps:",
        "      - uses: azure/login@v3",
        "        with:",
        "          client-id: ${{ vars.AZURE_CLIENT_ID }}",
        "          client-secret: ${{ secrets.AZURE_CLIENT_SECRET }}",
        "      - run: pulumi preview --stack ${{ matrix.stack }}",
        "",
      ].join("\n"),
    );
    const result = lint(dir, [path.join(".github", "workflows", "broken.yml")]);
    fs.rmSync(dir, { recursive: true, force: true });
    expect(result.status).toBe(1);
    expect(result.output).toMatch(/"writ" is invalid as permission of scope "id-token"/);
    expect(result.output).toMatch(/input "client-secret" is not defined in action "azure\/login@v3"/);
    expect(result.output).toMatch(/property "stack" is not defined/);
  });
});

// actionlint checks the workflows' inline scripts with shellcheck; this covers the script files too.
// scripts/install-pg.sh installs shellcheck (npm test runs it first).
test("scripts under .github pass shellcheck", () => {
  const scripts = fs.readdirSync(path.join(root, ".github", "scripts")).map((f) => path.join(".github", "scripts", f));
  const result = spawnSync("shellcheck", scripts, { cwd: root, encoding: "utf8" });
  expect(result.stdout).toBe("");
  expect(result.status).toBe(0);
});

interface Step {
  name?: string;
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
}
interface Job {
  if?: string;
  needs?: string | string[];
  environment?: string | { name: string };
  permissions?: Record<string, string>;
  concurrency?: { group: string; "cancel-in-progress"?: boolean };
  strategy?: { matrix?: { stack?: string[] } };
  env?: Record<string, string>;
  steps: Step[];
}
interface Workflow {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const workflows: Record<string, Workflow> = Object.fromEntries(
  workflowFiles.map((f) => [f, parse(fs.readFileSync(path.join(root, ".github", "workflows", f), "utf8")) as Workflow]),
);
const allJobs = Object.entries(workflows).flatMap(([file, wf]) => Object.entries(wf.jobs).map(([name, job]) => ({ file, name, job })));
const azureJobs = allJobs.filter(({ job }) => job.steps.some((s) => s.uses?.startsWith("azure/login@")));

/** The `pulumi/actions` step that runs a command (the other one only installs the CLI). */
function pulumiCommand(job: Job): Step {
  const steps = job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command !== undefined);
  expect(steps).toHaveLength(1);
  return steps[0];
}

/** Every key anywhere in a parsed YAML value. */
function keysOf(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(keysOf);
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([k, v]) => [k, ...keysOf(v)]);
}

describe("workflow structure", () => {
  test("finds the jobs that log in to Azure, so the checks below are not vacuous", () => {
    expect(azureJobs.map(({ file, name }) => `${file}:${name}`)).toEqual(
      expect.arrayContaining(["acceptance.yml:acceptance", "deploy.yml:dev", "deploy.yml:prod", "preview.yml:preview"]),
    );
  });

  test.each(azureJobs.map((j) => [`${j.file}:${j.name}`, j.file, j.job] as const))(
    "%s logs in with OIDC: id-token write, no secret, providers pointed at OIDC as the job's one identity",
    (name, file, job) => {
      expect(job.permissions ?? workflows[file].permissions).toMatchObject({ "id-token": "write" });
      // No secret-based login anywhere in the file: azure/login's creds, a client secret or certificate.
      const secretKeys = keysOf(workflows[file]).filter((k) => /^(creds|client-secret)$|CLIENT_SECRET|CLIENT_CERTIFICATE/i.test(k));
      expect(secretKeys).toEqual([]);
      const login = job.steps.find((s) => s.uses?.startsWith("azure/login@"))!;
      expect(Object.keys(login.with ?? {}).sort()).toEqual(["client-id", "subscription-id", "tenant-id"]);
      // azure-native and azuread: OIDC with the same identity. The postgresql provider: workload identity
      // through DefaultAzureCredential, from the token file the script keeps fresh.
      const clientId = `\${{ vars.${JOBS[name].identity} }}`;
      expect(login.with?.["client-id"]).toBe(clientId);
      expect(job.env).toMatchObject({
        ARM_USE_OIDC: "true",
        ARM_CLIENT_ID: clientId,
        ARM_TENANT_ID: "${{ vars.AZURE_TENANT_ID }}",
        ARM_SUBSCRIPTION_ID: "${{ vars.AZURE_SUBSCRIPTION_ID }}",
        AZURE_CLIENT_ID: clientId,
        AZURE_TENANT_ID: "${{ vars.AZURE_TENANT_ID }}",
      });
      expect(job.steps.some((s) => s.run === "bash .github/scripts/azure-federated-token.sh")).toBe(true);
    },
  );

  test("deploy: dev first, then prod behind the production environment, one update per stack at a time", () => {
    const deploy = workflows["deploy.yml"];
    expect(deploy.on).toEqual({ push: { branches: ["main"] } });
    const byStack = Object.fromEntries(
      Object.entries(deploy.jobs).map(([name, job]) => {
        const step = pulumiCommand(job);
        expect(step.with?.command).toBe("up");
        return [step.with?.["stack-name"] as string, { name, job }];
      }),
    );
    expect(Object.keys(byStack).sort()).toEqual(["dev", "prod"]);
    const { dev, prod } = byStack;
    expect([prod.job.needs].flat()).toContain(dev.name);
    const environment = prod.job.environment;
    expect(typeof environment === "string" ? environment : environment?.name).toBe("production");
    expect(dev.job.environment).toBeUndefined();
    for (const [stack, { job }] of Object.entries(byStack)) {
      expect(job.concurrency).toEqual({ group: `pulumi-${stack}`, "cancel-in-progress": false });
    }
  });

  test("preview: every stack on pull requests, commented on the pull request", () => {
    const preview = workflows["preview.yml"];
    expect(Object.keys(preview.on)).toEqual(["pull_request"]);
    const job = preview.jobs.preview;
    expect(job.strategy?.matrix?.stack).toEqual(["dev", "prod"]);
    expect(job.permissions).toMatchObject({ "pull-requests": "write" });
    expect(pulumiCommand(job).with).toMatchObject({ command: "preview", "stack-name": "${{ matrix.stack }}", "comment-on-pr": true });
  });

  // Every preview and up of a stack, with the matrix expanded.
  const stackRuns = allJobs.flatMap(({ file, job }) => {
    const step = job.steps.find((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command !== undefined);
    if (!step) return [];
    const stacks = job.strategy?.matrix?.stack ?? [String(step.with?.["stack-name"])];
    const expand = (v: unknown, stack: string) => String(v).replace("${{ matrix.stack }}", stack);
    return stacks.map((stack) => ({
      run: `${file}: ${step.with?.command} ${stack}`,
      stack: expand(step.with?.["stack-name"], stack),
      policyPacks: step.with?.policyPacks,
      policyPackConfigs: expand(step.with?.policyPackConfigs, stack),
    }));
  });

  test.each(stackRuns.map((r) => [r.run, r] as const))(
    "%s runs the policy pack with its stack's config, production rules on prod only",
    (_, { stack, policyPacks, policyPackConfigs }) => {
      expect(policyPacks).toBe("policy");
      expect(policyPackConfigs).toBe(`policy/config/${stack}.json`);
      const config = JSON.parse(fs.readFileSync(path.join(root, policyPackConfigs), "utf8"));
      expect(config["production-resilience"]).toEqual({ production: stack === "prod" });
      expect(config["production-operations"] ?? { production: false }).toEqual({ production: stack === "prod" });
    },
  );

  test("every run of Pulumi uses the CLI version of the SDK", () => {
    const sdk = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).devDependencies["@pulumi/pulumi"];
    expect(fs.readFileSync(path.join(root, ".pulumi-version"), "utf8").trim()).toBe(sdk);
    const pulumiSteps = allJobs.flatMap(({ job }) => job.steps.filter((s) => s.uses?.startsWith("pulumi/actions@")));
    expect(pulumiSteps.length).toBeGreaterThan(0);
    for (const step of pulumiSteps) expect(step.with?.["pulumi-version-file"]).toBe(".pulumi-version");
  });
});

/**
 * Who each job is. Written out here, not derived from the workflows: a new job, a job that changes
 * identity or gains a permission fails until this table (and the README's) says so.
 */
const JOBS: Record<string, { identity?: "AZURE_CLIENT_ID" | "AZURE_PREVIEW_CLIENT_ID"; permissions: Record<string, string> }> = {
  "acceptance.yml:acceptance": { identity: "AZURE_CLIENT_ID", permissions: { contents: "read", "id-token": "write" } },
  "deploy.yml:dev": { identity: "AZURE_CLIENT_ID", permissions: { contents: "read", "id-token": "write" } },
  "deploy.yml:prod": { identity: "AZURE_CLIENT_ID", permissions: { contents: "read", "id-token": "write" } },
  "offline.yml:checks": { permissions: { contents: "read" } },
  "offline.yml:plan": { permissions: { contents: "read" } },
  "preview.yml:preview": {
    identity: "AZURE_PREVIEW_CLIENT_ID",
    permissions: { contents: "read", "id-token": "write", "pull-requests": "write" },
  },
};

/**
 * The subject GitHub puts in a job's OIDC token, from GitHub's OIDC reference: the environment when the job
 * names one, else `pull_request` for pull-request runs, else the ref the run is on. A push to main, the
 * schedule (always the default branch) and a manual run from main are on refs/heads/main.
 */
function oidcSubjects(file: string, job: Job): string[] {
  const env = typeof job.environment === "string" ? job.environment : job.environment?.name;
  if (env) return [`environment:${env}`];
  return Object.keys(workflows[file].on).map((event) => {
    if (event === "pull_request") return "pull_request";
    if (event === "push") {
      const branches = (workflows[file].on.push as { branches?: string[] }).branches;
      expect(branches).toEqual(["main"]);
      return "ref:refs/heads/main";
    }
    if (event === "schedule" || event === "workflow_dispatch") return "ref:refs/heads/main";
    throw new Error(`${file}: no OIDC subject known for ${event}`);
  });
}

/** The identities table of .github/workflows/README.md: repository variable → rights and federated subjects. */
function documentedIdentities(): Map<string, { rights: string; subjects: string[] }> {
  const readme = fs.readFileSync(path.join(root, ".github", "workflows", "README.md"), "utf8");
  const rows = readme
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l.startsWith("| `ci-"))
    .map((l) => l.split("|").map((c) => c.trim()));
  return new Map(
    rows.map((cells) => [
      cells[2].replace(/`/g, ""),
      { rights: cells[3], subjects: [...cells[4].matchAll(/`repo:<owner>\/<repo>:([^`]+)`/g)].map((m) => m[1]) },
    ]),
  );
}

describe("who each job is", () => {
  const identities = documentedIdentities();

  test("every job is in the table above, and the README documents both identities", () => {
    expect(allJobs.map(({ file, name }) => `${file}:${name}`).sort()).toEqual(Object.keys(JOBS).sort());
    expect([...identities.keys()].sort()).toEqual(["AZURE_CLIENT_ID", "AZURE_PREVIEW_CLIENT_ID"]);
  });

  test.each(allJobs.map((j) => [`${j.file}:${j.name}`, j] as const))(
    "%s has exactly its permissions and its identity",
    (name, { file, job }) => {
      const expected = JOBS[name];
      expect(job.permissions ?? workflows[file].permissions).toEqual(expected.permissions);
      // Every client id the job's YAML names, anywhere: one identity per job, or none.
      const named = [...new Set([...JSON.stringify(job).matchAll(/vars\.(AZURE_[A-Z_]*CLIENT_ID)/g)].map((m) => m[1]))];
      expect(named).toEqual(expected.identity ? [expected.identity] : []);
    },
  );

  test.each(azureJobs.map((j) => [`${j.file}:${j.name}`, j] as const))(
    "%s presents a subject its identity has a federated credential for",
    (name, { file, job }) => {
      const documented = identities.get(JOBS[name].identity!)!;
      for (const subject of oidcSubjects(file, job)) expect(documented.subjects).toContain(subject);
    },
  );

  test("the deployer trusts no pull request, and the preview identity nothing but pull requests", () => {
    expect(identities.get("AZURE_CLIENT_ID")!.subjects).not.toContain("pull_request");
    expect(identities.get("AZURE_PREVIEW_CLIENT_ID")!.subjects).toEqual(["pull_request"]);
    // Every job that can be started from a pull request runs as the preview identity or as none.
    for (const { file, name } of allJobs.filter(({ file }) => "pull_request" in workflows[file].on)) {
      expect([name, JOBS[`${file}:${name}`].identity ?? "none"]).toEqual([name, expect.stringMatching(/^(AZURE_PREVIEW_CLIENT_ID|none)$/)]);
    }
  });

  test("the README gives the preview identity read rights only, and the deployer write rights", () => {
    const preview = identities.get("AZURE_PREVIEW_CLIENT_ID")!.rights;
    expect(preview).toMatch(/^Reader on the stacks' resource groups/);
    expect(preview).not.toMatch(/Contributor|Owner/);
    expect(preview).toMatch(/no Entra administrator/);
    expect(identities.get("AZURE_CLIENT_ID")!.rights).toMatch(/^Contributor on the stacks' resource groups/);
  });

  test("the subject rules can fail: a pull-request job in an environment presents the environment", () => {
    const job: Job = { environment: "production", steps: [] };
    expect(oidcSubjects("preview.yml", job)).toEqual(["environment:production"]);
    expect(oidcSubjects("preview.yml", { steps: [] })).toEqual(["pull_request"]);
  });
});

describe("previews cannot deploy", () => {
  const job = workflows["preview.yml"].jobs.preview;

  test("no workflow runs on pull_request_target or workflow_run, which hand a fork's code this repository's credentials", () => {
    for (const wf of Object.values(workflows)) {
      expect(Object.keys(wf.on)).not.toContain("pull_request_target");
      expect(Object.keys(wf.on)).not.toContain("workflow_run");
    }
  });

  test("skipped for pull requests from forks", () => {
    expect(job.if).toBe("github.event.pull_request.head.repo.full_name == github.repository");
  });

  test("no environment, so its subject is the pull request's", () => {
    expect(job.environment).toBeUndefined();
  });

  test("the deployer's client id and the deploying Pulumi token appear nowhere in the workflow", () => {
    const text = fs.readFileSync(path.join(root, ".github", "workflows", "preview.yml"), "utf8");
    expect(text).not.toMatch(/vars\.AZURE_CLIENT_ID\b/);
    expect(text).not.toMatch(/secrets\.PULUMI_ACCESS_TOKEN\b/);
    expect(job.env?.PULUMI_ACCESS_TOKEN).toBe("${{ secrets.PULUMI_PREVIEW_ACCESS_TOKEN }}");
  });

  test("does not refresh: nothing is read through the postgresql provider", () => {
    expect(pulumiCommand(job).with?.refresh).toBe(false);
    for (const step of job.steps) expect(step.run ?? "").not.toMatch(/--refresh|pulumi (refresh|up)\b/);
    // A project-wide `options: refresh: always` in Pulumi.yaml would refresh every preview.
    const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) as { options?: { refresh?: string } };
    expect(project.options?.refresh).toBeUndefined();
  });

  test("checks that the stack names its deployer's object id, and never sets it", () => {
    const runs = job.steps.map((s) => s.run ?? "").join("\n");
    expect(runs).toMatch(/pulumi config get --stack "\$STACK" --path deployer\.objectId/);
    expect(runs).not.toMatch(/config set[^\n]*deployer\.objectId/);
    for (const stack of job.strategy?.matrix?.stack ?? []) {
      const config = parse(fs.readFileSync(path.join(root, `Pulumi.${stack}.yaml`), "utf8")).config;
      expect([stack, config["entra-postgres:deployer"].objectId]).toEqual([
        stack,
        expect.stringMatching(/^[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}$/),
      ]);
    }
  });
});
