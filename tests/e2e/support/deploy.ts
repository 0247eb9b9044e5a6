/**
 * Deploys EntraDatabaseAccess to a harness cluster the way `pulumi up` would: the program is evaluated
 * under the offline mocks (scripts/offline/mockCloud.ts) with a postgresql.Provider made here, the
 * recorded `postgresql:*` resources are put in dependency order, and the provider translator
 * (tests/e2e/apply) applies them connected AS AN ENTRA ADMINISTRATOR with its token, never as superuser.
 * A Stack keeps the recorded state between runs, as a Pulumi stack does (see translator.ts).
 */
import * as postgresql from "@pulumi/postgresql";
import type { AccessPlan } from "../../../components/access/plan";
import { EntraDatabaseAccess } from "../../../components/access/EntraDatabaseAccess";
import type { AccessInput } from "../../../components/access/args";
import { GuideAdministrator } from "../../../components/loginGuide";
import type { PrincipalType } from "../../../components/principals";
import { installMockCloud, settle, type RecordedResource } from "../../../scripts/offline/mockCloud";
import { dependencyOrder } from "../../../scripts/offline/planReport";
import type { ArmPrincipalType, PgCluster } from "../harness/cluster";
import {
  applyResources,
  destroyResources,
  emptyState,
  refreshResources,
  type ApplyReport,
  type Connect,
  type Connector,
  type EngineOptions,
  type ProviderSettings,
  type RegisteredResource,
  type StackState,
  type UpOptions,
} from "../apply/translator";

export const T = {
  role: "postgresql:index/role:Role",
  label: "postgresql:index/securityLabel:SecurityLabel",
  database: "postgresql:index/database:Database",
  schema: "postgresql:index/schema:Schema",
  grant: "postgresql:index/grant:Grant",
  defaultPrivileges: "postgresql:index/defaultPrivileges:DefaultPrivileges",
  grantRole: "postgresql:index/grantRole:GrantRole",
} as const;

/** An Entra identity of a test: its login name, object id and kind. */
export interface Identity {
  name: string;
  oid: string;
  type: PrincipalType;
}

/** Readable, distinct object ids: oid(1) = 00000000-0000-4000-8000-000000000001. */
export const oid = (n: number): string => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;

/** ARM has no ManagedIdentity administrator type: a managed identity is declared as a service principal. */
export const armType = (t: PrincipalType): ArmPrincipalType => (t === "ManagedIdentity" ? "ServicePrincipal" : t);

/** Declares each identity an Entra administrator of the cluster, as ARM would. */
export async function declareAdministrators(cluster: PgCluster, admins: Identity[]): Promise<void> {
  for (const a of admins) await cluster.declareAdministrator(a.name, a.oid, armType(a.type));
}

export const asGuideAdministrators = (admins: Identity[]): GuideAdministrator[] => admins.map((a) => ({ name: a.name, type: a.type }));

/** A resource as captured, with the resource options the translator honours. */
export interface CapturedResource extends RegisteredResource {
  urn: string;
  dependencies: string[];
  retainOnDelete: boolean;
  deleteBeforeReplace: boolean;
  /** Provider reference (`urn::id`). */
  provider?: string;
}

export interface Deployment {
  plan: AccessPlan;
  /** `postgresql:*` resources in dependency order, with their URNs and dependencies (the translator runs independent ones concurrently). */
  resources: CapturedResource[];
  /** Everything registered, components and provider included. */
  recorded: RecordedResource[];
  providerUrn: string;
}

/**
 * Evaluates `new EntraDatabaseAccess(name, input)` under the offline mocks with a postgresql.Provider
 * logging in as `deployer`, and returns its postgresql resources in dependency order.
 */
/** The component's input; `deployer` defaults to the administrator the plan is first deployed as. */
export type PlanInput = Omit<AccessInput, "deployer"> & { deployer?: string };

export async function planDeployment(input: PlanInput, deployer: string, name = "app"): Promise<Deployment> {
  const cloud = installMockCloud({});
  await cloud.ready;
  let access: EntraDatabaseAccess | undefined;
  let failure: unknown;
  try {
    const provider = new postgresql.Provider("pg", {
      host: "127.0.0.1",
      port: 5432,
      database: "postgres",
      username: deployer,
      azureIdentityAuth: true,
      sslmode: "require",
      superuser: false,
    });
    access = new EntraDatabaseAccess(name, { deployer, ...input, provider });
  } catch (e) {
    failure = e;
  }
  await settle();
  if (failure) throw failure;
  if (!access) throw new Error("EntraDatabaseAccess was not constructed");

  const providerUrn = cloud.resources.find((r) => r.type === "pulumi:providers:postgresql")?.urn ?? "";
  const resources = dependencyOrder(cloud.resources)
    .filter((r) => r.custom && r.type.startsWith("postgresql:"))
    .map((r) => {
      const ignoreChanges = r.ignoreChanges ?? [];
      return {
        type: r.type,
        name: r.name,
        inputs: r.inputs,
        urn: r.urn,
        dependencies: r.dependencies,
        provider: r.provider,
        retainOnDelete: r.retainOnDelete ?? false,
        deleteBeforeReplace: r.deleteBeforeReplace ?? false,
        ...(ignoreChanges.length ? { ignoreChanges } : {}),
      };
    });
  return { plan: access.plan, resources, recorded: cloud.resources, providerUrn };
}

/**
 * The same resources in the least favourable order their declared dependencies allow: among those
 * ready, the one registered LAST goes first. Pulumi runs independent resources in parallel, so
 * anything the component forgot to `dependsOn` can run first; registration order (dependencyOrder's
 * tie-break) would hide that. (The translator now schedules by dependencies with a seeded PRNG, so
 * this only changes the order in which ready steps are offered to it.)
 */
export function leastFavourableOrder(d: Deployment): Deployment {
  const byUrn = new Map(d.resources.map((r) => [r.urn, r]));
  const waitsOn = new Map(d.resources.map((r) => [r, new Set(r.dependencies.filter((u) => byUrn.has(u)))]));
  const done = new Set<string>();
  const out: CapturedResource[] = [];
  while (out.length < d.resources.length) {
    const ready = d.resources.filter((r) => !done.has(r.urn) && [...waitsOn.get(r)!].every((u) => done.has(u)));
    if (ready.length === 0) throw new Error("dependency cycle");
    const next = ready[ready.length - 1];
    done.add(next.urn);
    out.push(next);
  }
  return { ...d, resources: out };
}

/** Connects the translator as `admin`, logging in with the admin's own token like the provider's azureIdentityAuth. */
function connector(cluster: PgCluster, admin: Identity): Connector {
  const token = cluster.token({ oid: admin.oid });
  return (db: string) => cluster.connectAs(admin.name, token, db);
}

/** The provider settings planDeployment's postgresql.Provider gives, for `admin`. */
export const settingsOf = (admin: Identity): ProviderSettings => ({ username: admin.name, superuser: false, databaseDefault: "postgres" });

/**
 * A Pulumi stack of the component on a harness cluster: its recorded state, and the identities it
 * may connect as. `pulumi refresh` and `pulumi destroy` connect as the username the state records
 * (the administrator of the last `up`), not as whoever runs them, unless `runProgram` is given; so
 * the stack keeps every administrator it has seen, by login name, to log in as the recorded one.
 */
export class Stack {
  readonly state: StackState = emptyState();
  private readonly identities = new Map<string, Identity>();

  constructor(
    readonly cluster: PgCluster,
    known: Identity[] = [],
  ) {
    for (const i of known) this.identities.set(i.name, i);
  }

  /** Connects as the identity whose login name is the provider's username. */
  readonly connect: Connect = (settings) => {
    const who = this.identities.get(settings.username);
    if (!who) throw new Error(`no identity known for provider username ${JSON.stringify(settings.username)}`);
    return connector(this.cluster, who);
  };

  /** `pulumi up` (with refresh: `pulumi up --refresh`) of deployment `d`, whose provider logs in as `admin`. */
  up(d: Deployment, admin: Identity, options: UpOptions = {}): Promise<ApplyReport> {
    this.identities.set(admin.name, admin);
    return applyResources(d.resources, this.state, this.connect, settingsOf(admin), options);
  }

  /** `pulumi refresh` (with runProgram: `--run-program`, the program's provider logging in as that identity). */
  refresh(options: EngineOptions & { runProgram?: Identity } = {}): Promise<ApplyReport> {
    const { runProgram, ...rest } = options;
    if (runProgram) this.identities.set(runProgram.name, runProgram);
    return refreshResources(this.state, this.connect, { ...rest, ...(runProgram ? { runProgram: settingsOf(runProgram) } : {}) });
  }

  /** `pulumi destroy` (refresh: `--refresh`; runProgram: `--run-program`); retainOnDelete resources are only forgotten. */
  destroy(options: EngineOptions & { runProgram?: Identity; refresh?: boolean } = {}): Promise<ApplyReport> {
    const { runProgram, ...rest } = options;
    if (runProgram) this.identities.set(runProgram.name, runProgram);
    return destroyResources(this.state, this.connect, { ...rest, ...(runProgram ? { runProgram: settingsOf(runProgram) } : {}) });
  }
}

/** Write statements of a report, one line each, for failure messages. */
export function writesOf(report: ApplyReport): string[] {
  return report.statements.filter((s) => s.kind === "write").map((s) => `${s.resource}: ${s.sql}`);
}

/** Actions per resource name, e.g. { "app-grant-...": "unchanged" }. */
export function actions(report: ApplyReport): Record<string, string> {
  return Object.fromEntries(report.resources.map((r) => [r.name, r.action]));
}
