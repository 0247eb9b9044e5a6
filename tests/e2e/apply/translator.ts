/**
 * Applies @pulumi/postgresql resources captured under Pulumi mocks to a real PostgreSQL, issuing the
 * SQL the bridged provider (cyrilgdn/terraform-provider-postgresql, the `upstream` submodule of
 * pulumi/pulumi-postgresql v3.18) would issue. Each kind lives in its own file and cites its
 * upstream source; this file is the Pulumi engine around them, as measured with CLI v3.274.1
 * (docs: /work/shared/docs/offline-pulumi-toolchain.md, "How the real engine applies the
 * database-side resources"):
 *
 * - A stack has a recorded state (StackState): per resource URN the inputs of the run that last
 *   applied it and its outputs as the provider read them back at the end of Create/Update (or at the
 *   last refresh), plus the provider settings of that run.
 * - applyResources = `pulumi up`: diff the program's inputs against the recorded outputs (not the
 *   live database) and apply only the differences; a resource whose inputs did not change issues no
 *   SQL. With `refresh: true` (`pulumi up --refresh`) every resource in the state is read first,
 *   concurrently, with the provider settings recorded in the state; any read failure fails the run
 *   before anything is written.
 * - refreshResources = `pulumi refresh`; destroyResources = `pulumi destroy`. Both connect with the
 *   recorded provider settings unless `runProgram` (`--run-program`) gives the program's.
 * - Steps run concurrently (at most `parallel`, default 8), respecting dependencies; deletes run
 *   last, in reverse dependency order. A seeded PRNG picks the order (scheduler.ts); the seed is in
 *   every ApplyError message.
 */
import { database } from "./database";
import { defaultPrivileges } from "./defaultPrivileges";
import { extension } from "./extension";
import { grant } from "./grant";
import { grantRole } from "./grantRole";
import { sameSet } from "./helpers";
import type { Field, ResourceKind, State } from "./kind";
import type { ProviderSettings, RegisteredResource } from "./resources";
import { role } from "./role";
import { prng, resolveParallel, resolveSeed, schedule, type Job } from "./scheduler";
import { schema } from "./schema";
import { securityLabel } from "./securityLabel";
import { Pool, Session, type Connector, type StatementRecord } from "./session";

export type { Connector, StatementKind, StatementRecord } from "./session";
export type { ProviderSettings, RegisteredResource } from "./resources";
export { DEFAULT_PARALLEL } from "./scheduler";

const kinds: Record<string, ResourceKind> = {
  "postgresql:index/role:Role": role,
  "postgresql:index/grant:Grant": grant,
  "postgresql:index/defaultPrivileges:DefaultPrivileges": defaultPrivileges,
  "postgresql:index/defaultPrivileg:DefaultPrivileg": defaultPrivileges, // deprecated alias token
  "postgresql:index/grantRole:GrantRole": grantRole,
  "postgresql:index/securityLabel:SecurityLabel": securityLabel,
  "postgresql:index/database:Database": database,
  "postgresql:index/schema:Schema": schema,
  "postgresql:index/extension:Extension": extension,
};

/**
 * Types the provider marks delete-before-replace. pulumi-postgresql v3.18 provider/resources.go sets
 * `DeleteBeforeReplace: true` on postgresql_grant only (a grant and its replacement are the same ACL
 * entry); every other type is replaced create-before-delete unless the resource option says otherwise.
 */
const providerDeleteBeforeReplace = new Set(["postgresql:index/grant:Grant"]);

// ---- the recorded state ----

/** One resource as the stack's state records it. */
export interface StateResource {
  urn: string;
  type: string;
  name: string;
  /** The program's inputs when it was last created/updated (or found unchanged). */
  inputs: Record<string, unknown>;
  /** What the provider read back at the end of Create/Update, or at the last refresh. */
  outputs: State;
  dependencies: string[];
  ignoreChanges?: string[];
  retainOnDelete?: boolean;
  deleteBeforeReplace?: boolean;
  /**
   * A replaced original awaiting its delete (the engine's `Delete: true`): create-before-delete
   * replacements record the new resource under the same URN and delete the old one at the end.
   */
  delete?: boolean;
}

/** A stack's state: what the previous run recorded. Runs update it in place, step by step. */
export interface StackState {
  /** Provider settings of the run that last applied (refresh and destroy connect with these). */
  provider?: ProviderSettings;
  /** In dependency order (creation order), as Pulumi's checkpoint keeps them. */
  resources: StateResource[];
}

/** The state of a new stack: its first `up` creates everything. */
export const emptyState = (): StackState => ({ resources: [] });

/** Who connects: a connector for the given provider settings (e.g. logging in as settings.username). */
export type Connect = (settings: ProviderSettings) => Connector;

// ---- reports ----

export type Action = "created" | "updated" | "replaced" | "unchanged" | "deleted" | "absent" | "refreshed" | "gone";

export type StepOp = "read" | "same" | "create" | "update" | "replace" | "create-replacement" | "delete" | "delete-replaced" | "forget";

export interface StepReport {
  /** Resource name. */
  resource: string;
  urn: string;
  op: StepOp;
  /** Username the step connected as. */
  username: string;
  /** Start and end on the run's clock (statements' `seq` use the same clock). */
  start: number;
  end: number;
  statements: StatementRecord[];
}

export interface ResourceReport {
  type: string;
  name: string;
  urn: string;
  action: Action;
  /** Fields whose planned value differed from the recorded state (updated/replaced only). */
  changed: string[];
  /** Every statement issued for this resource, reads, locks and BEGIN/COMMIT included. */
  statements: StatementRecord[];
}

export interface ApplyReport {
  /** Program resources in program order, then resources only the state had. */
  resources: ResourceReport[];
  created: string[];
  updated: string[];
  replaced: string[];
  unchanged: string[];
  deleted: string[];
  /** Resources the refresh read (refresh / up --refresh), and those it found gone (dropped from the state). */
  refreshed: string[];
  gone: string[];
  /** Steps in the order they started (deterministic for a seed). */
  steps: StepReport[];
  /** All statements, step by step in start order, tagged with the resource name. */
  statements: (StatementRecord & { resource: string })[];
  seed: number;
  parallel: number;
  /** The state the run updated (the same object that was passed in). */
  state: StackState;
}

/** Thrown when a step fails; `report` holds everything issued up to then; the message names the seed. */
export class ApplyError extends Error {
  constructor(
    message: string,
    readonly report: ApplyReport,
    readonly cause: unknown,
    readonly seed: number,
  ) {
    super(message);
  }
}

// ---- options ----

export interface EngineOptions {
  /** PRNG seed for the step order (default $TRANSLATOR_SEED, else random). */
  seed?: number;
  /** `--parallel` (default $TRANSLATOR_PARALLEL, else 8). */
  parallel?: number;
}

export interface UpOptions extends EngineOptions {
  /** `pulumi up --refresh`. */
  refresh?: boolean;
}

export interface RefreshOptions extends EngineOptions {
  /** `--run-program`: connect with the program's provider settings instead of the recorded ones. */
  runProgram?: ProviderSettings;
}

export interface DestroyOptions extends RefreshOptions {
  /** `pulumi destroy --refresh`. */
  refresh?: boolean;
}

// ---- the operations ----

/**
 * `pulumi up` of `resources` (the program, in dependency order) with the provider `settings`, against
 * `state` (updated in place; emptyState() for a new stack).
 */
export async function applyResources(
  resources: RegisteredResource[],
  state: StackState,
  connect: Connect,
  settings: ProviderSettings,
  options: UpOptions = {},
): Promise<ApplyReport> {
  const run = new Run(state, options);
  const program = normalise(resources);
  for (const r of program) run.resource(r, "unchanged");
  return run.go(async () => {
    // Refresh first, for everything, with the state's provider (engine: refresh steps before the plan).
    if (options.refresh) await run.refresh(connect(state.provider ?? settings), state.provider ?? settings);
    // The provider resource is updated first: from here on the program's settings are used, deletes included.
    state.provider = settings;
    const pool = run.pool(connect(settings), settings);
    const jobs: Job[] = program.map((r) => ({ key: r.urn, deps: r.dependencies, run: () => run.apply(pool, r) }));
    await run.schedule(jobs);
    // pulumi/pulumi deploy/step_generator.go GenerateDeletes: resources the program no longer has,
    // and originals of create-before-delete replacements, are deleted after everything else.
    const inProgram = new Set(program.map((r) => r.urn));
    await run.deletes(
      pool,
      state.resources.filter((e) => e.delete || !inProgram.has(e.urn)),
    );
  });
}

/** `pulumi refresh`: reads every resource in `state` (concurrently) and records what it found. */
export async function refreshResources(state: StackState, connect: Connect, options: RefreshOptions = {}): Promise<ApplyReport> {
  const run = new Run(state, options);
  const settings = providerFor(state, options);
  return run.go(() => run.refresh(connect(settings), settings));
}

/**
 * `pulumi destroy`: deletes every resource in `state`, in reverse dependency order, concurrently;
 * retainOnDelete ones are only forgotten. Connects with the recorded provider settings unless
 * `runProgram` (`--run-program`) gives the program's.
 */
export async function destroyResources(state: StackState, connect: Connect, options: DestroyOptions = {}): Promise<ApplyReport> {
  const run = new Run(state, options);
  const settings = providerFor(state, options);
  return run.go(async () => {
    const conn = connect(settings);
    if (options.refresh) await run.refresh(conn, settings);
    await run.deletes(run.pool(conn, settings), [...state.resources]);
    if (!state.resources.length) state.provider = undefined;
  });
}

function providerFor(state: StackState, options: RefreshOptions): ProviderSettings {
  const settings = options.runProgram ?? state.provider;
  if (!settings) {
    if (state.resources.length) throw new Error("the state records no provider settings: pass runProgram");
    return { username: "", superuser: false, databaseDefault: "postgres" };
  }
  return settings;
}

/** Statement counts per resource type: all statements and the catalogue-changing ones. */
export function countStatements(report: ApplyReport): Record<string, { resources: number; total: number; writes: number }> {
  const out: Record<string, { resources: number; total: number; writes: number }> = {};
  for (const r of report.resources) {
    const c = (out[r.type] ??= { resources: 0, total: 0, writes: 0 });
    c.resources++;
    c.total += r.statements.length;
    c.writes += r.statements.filter((st) => st.kind === "write").length;
  }
  return out;
}

// ---- the engine ----

type Resolved = RegisteredResource & { urn: string; dependencies: string[] };

const urnOf = (r: { type: string; name: string }) => `urn:pulumi:stack::project::${r.type}::${r.name}`;

/** URNs and dependencies filled in: a resource without `dependencies` waits for all listed before it. */
function normalise(resources: RegisteredResource[]): Resolved[] {
  const urns = resources.map((r) => r.urn ?? urnOf(r));
  if (new Set(urns).size !== urns.length) throw new Error("two resources with the same URN");
  return resources.map((r, i) => ({ ...r, urn: urns[i], dependencies: r.dependencies ?? urns.slice(0, i) }));
}

function kindOf(type: string, name: string): ResourceKind {
  const kind = kinds[type];
  if (!kind) throw new Error(`unsupported resource type ${type} (${name})`);
  return kind;
}

class StepFailure extends Error {
  constructor(
    message: string,
    readonly original: unknown,
  ) {
    super(message);
  }
}

class Run {
  readonly seed: number;
  readonly parallel: number;
  private readonly rand: () => number;
  private clock = 0;
  private readonly pools: Pool[] = [];
  private readonly records = new Map<string, ResourceReport>();
  private readonly steps: StepReport[] = [];
  private readonly refreshed: string[] = [];
  private readonly gone: string[] = [];

  constructor(
    readonly state: StackState,
    options: EngineOptions,
  ) {
    this.seed = resolveSeed(options.seed);
    this.parallel = resolveParallel(options.parallel);
    this.rand = prng(this.seed);
  }

  tick = (): number => this.clock++;

  pool(conn: Connector, settings: ProviderSettings): Pool {
    const p = new Pool(conn, settings, this.tick);
    this.pools.push(p);
    return p;
  }

  /** The report entry of a resource (made on first use, so program order comes first). */
  resource(r: { urn: string; type: string; name: string }, action: Action = "unchanged"): ResourceReport {
    let rec = this.records.get(r.urn);
    if (!rec) {
      rec = { type: r.type, name: r.name, urn: r.urn, action, changed: [], statements: [] };
      this.records.set(r.urn, rec);
    }
    return rec;
  }

  async go(body: () => Promise<void>): Promise<ApplyReport> {
    try {
      await body();
      return this.report();
    } catch (err) {
      const report = this.report();
      const inner = err instanceof StepFailure ? err.original : err;
      const msg = err instanceof Error ? err.message : String(err);
      throw new ApplyError(`${msg} [TRANSLATOR_SEED=${this.seed} TRANSLATOR_PARALLEL=${this.parallel}]`, report, inner, this.seed);
    } finally {
      await Promise.all(this.pools.map((p) => p.close()));
    }
  }

  schedule(jobs: Job[]): Promise<void> {
    return schedule(jobs, this.parallel, this.rand);
  }

  /** One step: its own Session (connections and log) on `pool`; failures name the resource. */
  async step(pool: Pool | undefined, r: { urn: string; type: string; name: string }, op: StepOp, fn: (s: Session) => Promise<void>) {
    const s = pool ? new Session(pool) : undefined;
    const report: StepReport = {
      resource: r.name,
      urn: r.urn,
      op,
      username: pool?.settings.username ?? "",
      start: this.tick(),
      end: -1,
      statements: s?.log ?? [],
    };
    this.steps.push(report);
    try {
      await fn(s as Session);
    } catch (err) {
      const msg = err instanceof Error ? err.message : String(err);
      throw new StepFailure(`${r.type} ${r.name}: ${msg}`, err);
    } finally {
      report.end = this.tick();
    }
  }

  /**
   * Refresh: read every resource in the state, all at once (refresh steps are independent: they
   * wait for no other step), then record what was read; gone ones leave the state. A failing read
   * fails the run before the plan is made, so nothing is written.
   */
  async refresh(conn: Connector, settings: ProviderSettings): Promise<void> {
    const pool = this.pool(conn, settings);
    const entries = [...this.state.resources];
    const jobs: Job[] = entries.map((e, i) => ({
      key: String(i),
      deps: [],
      run: () =>
        this.step(pool, e, "read", async (s) => {
          const kind = kindOf(e.type, e.name);
          const current = kind.exists && !(await kind.exists(s, e.outputs)) ? null : await kind.read(s, e.outputs);
          // The engine's snapshot records each completed refresh step.
          const rec = this.resource(e, "refreshed");
          if (current) {
            e.outputs = current;
            this.refreshed.push(e.name);
          } else {
            this.state.resources = this.state.resources.filter((x) => x !== e);
            this.gone.push(e.name);
            if (rec.action === "refreshed") rec.action = "gone";
          }
        }),
    }));
    await this.schedule(jobs);
  }

  /** One program resource in the update phase: same, create, update or replace, against the state. */
  async apply(pool: Pool, r: Resolved): Promise<void> {
    const rec = this.resource(r);
    const kind = kindOf(r.type, r.name);
    let desired: State;
    try {
      desired = desiredState(kind, r);
    } catch (err) {
      throw new StepFailure(`${r.type} ${r.name}: ${err instanceof Error ? err.message : String(err)}`, err);
    }
    const prior = this.state.resources.find((e) => e.urn === r.urn && !e.delete);
    const record = (outputs: State | null): StateResource => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      inputs: r.inputs,
      // A Read that finds nothing right after Create leaves the planned state recorded.
      outputs: outputs ?? desired,
      dependencies: r.dependencies,
      ...(r.ignoreChanges?.length ? { ignoreChanges: r.ignoreChanges } : {}),
      ...(r.retainOnDelete ? { retainOnDelete: true } : {}),
      ...(r.deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
    });
    const put = (entry: StateResource) => {
      const i = prior ? this.state.resources.indexOf(prior) : -1;
      if (i >= 0) this.state.resources[i] = entry;
      else this.state.resources.push(entry);
    };

    if (!prior) {
      await this.step(pool, r, "create", async (s) => {
        put(record(await kind.create(s, desired)));
        rec.action = "created";
      });
      return;
    }
    // ignoreChanges: the engine plans an ignored field with its recorded value.
    for (const f of r.ignoreChanges ?? []) if (f in prior.outputs) desired[f] = prior.outputs[f];
    const changed = changedFields(kind.fields, r.inputs, desired, prior.outputs);
    rec.changed = changed;
    if (!changed.length) {
      // A same step: no provider call, no SQL; the new inputs and dependencies are recorded.
      await this.step(undefined, r, "same", async () => {
        put({ ...record(prior.outputs), outputs: prior.outputs });
      });
      return;
    }
    if (!kind.fields.some((f) => f.forceNew && changed.includes(f.name))) {
      await this.step(pool, r, "update", async (s) => {
        put(record(await kind.update(s, prior.outputs, desired, new Set(changed))));
        rec.action = "updated";
      });
      return;
    }
    if (r.deleteBeforeReplace || providerDeleteBeforeReplace.has(r.type)) {
      // deleteBeforeReplace: delete the original, then create the replacement, in one chain.
      // (The engine also replaces dependents that would break first; no resource here needs it.)
      await this.step(pool, r, "replace", async (s) => {
        await kind.delete(s, prior.outputs);
        this.state.resources = this.state.resources.filter((e) => e !== prior);
        this.state.resources.push(record(await kind.create(s, desired)));
        rec.action = "replaced";
      });
      return;
    }
    // Create-before-delete (the default): the replacement is created now under the same URN and the
    // original is marked for deletion; GenerateDeletes deletes it with the other deletes at the end.
    await this.step(pool, r, "create-replacement", async (s) => {
      const entry = record(await kind.create(s, desired));
      prior.delete = true;
      this.state.resources.push(entry);
      rec.action = "replaced";
    });
  }

  /**
   * Deletes, as ScheduleDeletes (deploy/step_generator.go) orders them: antichains of the condemned
   * resources, each wave holding those no other condemned resource (transitively) depends on; a
   * wave runs concurrently and completes before the next starts.
   */
  async deletes(pool: Pool, condemned: StateResource[]): Promise<void> {
    const byUrn = new Map<string, StateResource>();
    for (const e of this.state.resources) if (!e.delete) byUrn.set(e.urn, e);
    for (const e of this.state.resources) if (!byUrn.has(e.urn)) byUrn.set(e.urn, e);
    const reach = new Map<string, Set<string>>();
    const dependsOn = (urn: string): Set<string> => {
      let out = reach.get(urn);
      if (out) return out;
      out = new Set();
      reach.set(urn, out);
      for (const d of byUrn.get(urn)?.dependencies ?? []) {
        out.add(d);
        for (const x of dependsOn(d)) out.add(x);
      }
      return out;
    };
    // Report entries in reverse state order (reverse dependency order), whatever order the steps take.
    for (const e of [...condemned].reverse()) this.resource(e, "absent");
    let left = [...condemned];
    while (left.length) {
      const wave = left.filter((x) => !left.some((y) => y !== x && y.urn !== x.urn && dependsOn(y.urn).has(x.urn)));
      if (!wave.length) throw new Error(`dependency cycle among ${left.map((e) => e.name)}`);
      left = left.filter((x) => !wave.includes(x));
      await this.schedule(wave.map((e, i) => ({ key: String(i), deps: [], run: () => this.delete(pool, e) })));
    }
  }

  private async delete(pool: Pool, e: StateResource): Promise<void> {
    const rec = this.resource(e, "deleted");
    const forget = () => (this.state.resources = this.state.resources.filter((x) => x !== e));
    if (e.retainOnDelete) {
      // retainOnDelete: the engine drops the resource from the state without calling the provider.
      await this.step(undefined, e, "forget", async () => {
        forget();
      });
      if (!e.delete) rec.action = "absent";
      return;
    }
    await this.step(pool, e, e.delete ? "delete-replaced" : "delete", async (s) => {
      await kindOf(e.type, e.name).delete(s, e.outputs);
      forget();
      if (!e.delete) rec.action = "deleted";
    });
  }

  private report(): ApplyReport {
    const resources = [...this.records.values()];
    for (const r of resources) r.statements = this.steps.filter((s) => s.urn === r.urn).flatMap((s) => s.statements);
    const names = (a: Action) => resources.filter((r) => r.action === a).map((r) => r.name);
    return {
      resources,
      created: names("created"),
      updated: names("updated"),
      replaced: names("replaced"),
      unchanged: names("unchanged"),
      deleted: names("deleted"),
      refreshed: [...this.refreshed],
      gone: [...this.gone],
      steps: [...this.steps],
      statements: this.steps.flatMap((s) => s.statements.map((st) => ({ ...st, resource: s.resource }))),
      seed: this.seed,
      parallel: this.parallel,
      state: this.state,
    };
  }
}

const isUnset = (v: unknown) => v === undefined || v === null;

/**
 * Inputs + schema defaults, unset values as Terraform's zero values (d.Get semantics). Inputs the
 * schema here does not model are rejected rather than silently ignored.
 */
function desiredState(kind: ResourceKind, r: RegisteredResource): State {
  const known = new Set(kind.fields.map((f) => f.name));
  for (const [k, v] of Object.entries(r.inputs)) {
    const empty = isUnset(v) || (Array.isArray(v) && v.length === 0);
    if (!known.has(k) && !k.startsWith("__") && !empty) throw new Error(`input '${k}' is not modelled`);
  }
  if (known.has("name") && isUnset(r.inputs.name)) {
    throw new Error(`set 'name' explicitly (Pulumi auto-naming is not modelled)`);
  }
  const zero = { string: "", bool: false, int: 0, set: [], list: [] } as const;
  const d: State = {};
  for (const f of kind.fields) {
    const v = r.inputs[f.name];
    d[f.name] = isUnset(v) ? (f.default ?? zero[f.type]) : Array.isArray(v) ? v.map(String) : v;
  }
  return d;
}

/** Terraform's plan against the prior state: sets compare unordered, Optional+Computed fields left unset never diff. */
function changedFields(fields: Field[], inputs: Record<string, unknown>, desired: State, current: State): string[] {
  return fields
    .filter((f) => !(f.computed && isUnset(inputs[f.name])))
    .filter((f) => {
      const a = current[f.name];
      const b = desired[f.name];
      if (f.type === "set") return !sameSet((a as string[]) ?? [], (b as string[]) ?? []);
      if (f.type === "list") return JSON.stringify(a ?? []) !== JSON.stringify(b ?? []);
      return a !== b;
    })
    .map((f) => f.name);
}
