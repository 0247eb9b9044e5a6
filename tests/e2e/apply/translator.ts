/**
 * Applies @pulumi/postgresql resources captured under Pulumi mocks to a real PostgreSQL, issuing the
 * SQL the bridged provider (cyrilgdn/terraform-provider-postgresql, the `upstream` submodule of
 * pulumi/pulumi-postgresql v3.18) would issue. Each kind lives in its own file and cites its
 * upstream source; this file is the Pulumi/Terraform lifecycle around them.
 *
 * applyResources = `pulumi up --refresh` against a state equal to the inputs: refresh each resource
 * (Exists where defined, then Read); gone -> Create; differing -> Update (or delete-then-create when a ForceNew field differs);
 * otherwise nothing. destroyResources = `pulumi destroy --refresh`: Read, then Delete what still
 * exists with the refreshed state, in reverse order.
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
import { schema } from "./schema";
import { securityLabel } from "./securityLabel";
import { Session, type Connector, type StatementRecord } from "./session";

export type { Connector, StatementKind, StatementRecord } from "./session";
export type { ProviderSettings, RegisteredResource } from "./resources";

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

export type Action = "created" | "updated" | "replaced" | "unchanged" | "deleted" | "absent";

export interface ResourceReport {
  type: string;
  name: string;
  action: Action;
  /** Fields whose refreshed value differed from the inputs (updated/replaced only). */
  changed: string[];
  /** Every statement issued for this resource, reads, locks and BEGIN/COMMIT included. */
  statements: StatementRecord[];
}

export interface ApplyReport {
  resources: ResourceReport[];
  created: string[];
  updated: string[];
  replaced: string[];
  unchanged: string[];
  deleted: string[];
  /** All statements in order, tagged with the resource name. */
  statements: (StatementRecord & { resource: string })[];
}

/** Thrown when a resource fails; `report` holds everything issued up to and including the failure. */
export class ApplyError extends Error {
  constructor(
    message: string,
    readonly report: ApplyReport,
    readonly cause: unknown,
  ) {
    super(message);
  }
}

export interface ApplyOptions {
  /**
   * First `pulumi up` of a new stack: no prior state, so no refresh; every resource is Created.
   * Without it a Grant whose privileges are missing is an *Update* (its Read only reports "gone"
   * when the database, role or schema is missing), as on an existing stack.
   */
  fresh?: boolean;
}

export function applyResources(
  resources: RegisteredResource[],
  conn: Connector,
  settings: ProviderSettings,
  options: ApplyOptions = {},
): Promise<ApplyReport> {
  return run(resources, conn, settings, async (s, kind, desired, r, rec) => {
    const current = options.fresh ? null : await refresh(s, kind, desired);
    if (!current) {
      await kind.create(s, desired);
      return "created";
    }
    // ignoreChanges: the planned value of an ignored field is the refreshed one.
    for (const f of r.ignoreChanges ?? []) if (f in current) desired[f] = current[f];
    rec.changed = changedFields(kind.fields, r.inputs, desired, current);
    if (!rec.changed.length) return "unchanged";
    if (kind.fields.some((f) => f.forceNew && rec.changed.includes(f.name))) {
      // Fixed-name resources cannot coexist with their replacement: delete first.
      await kind.delete(s, current);
      await kind.create(s, desired);
      return "replaced";
    }
    await kind.update(s, current, desired, new Set(rec.changed));
    return "updated";
  });
}

export function destroyResources(resources: RegisteredResource[], conn: Connector, settings: ProviderSettings): Promise<ApplyReport> {
  return run([...resources].reverse(), conn, settings, async (s, kind, desired) => {
    const current = await refresh(s, kind, desired);
    if (!current) return "absent";
    await kind.delete(s, current);
    return "deleted";
  });
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

/** schema.Resource.RefreshWithoutUpgrade: Exists (if defined) then Read. */
async function refresh(s: Session, kind: ResourceKind, state: State): Promise<State | null> {
  if (kind.exists && !(await kind.exists(s, state))) return null;
  return kind.read(s, state);
}

type Step = (s: Session, kind: ResourceKind, desired: State, resource: RegisteredResource, rec: ResourceReport) => Promise<Action>;

async function run(resources: RegisteredResource[], conn: Connector, settings: ProviderSettings, step: Step): Promise<ApplyReport> {
  const report: ApplyReport = { resources: [], created: [], updated: [], replaced: [], unchanged: [], deleted: [], statements: [] };
  const s = new Session(conn, settings);
  try {
    for (const r of resources) {
      const kind = kinds[r.type];
      if (!kind) throw new Error(`unsupported resource type ${r.type} (${r.name})`);
      const rec: ResourceReport = { type: r.type, name: r.name, action: "unchanged", changed: [], statements: [] };
      report.resources.push(rec);
      s.log = rec.statements;
      try {
        rec.action = await step(s, kind, desiredState(kind, r), r, rec);
      } catch (err) {
        collect(report);
        const msg = err instanceof Error ? err.message : String(err);
        throw new ApplyError(`${r.type} ${r.name}: ${msg}`, report, err);
      }
      if (rec.action !== "absent") report[rec.action].push(r.name);
    }
    collect(report);
    return report;
  } finally {
    await s.close();
  }
}

function collect(report: ApplyReport): void {
  report.statements = report.resources.flatMap((r) => r.statements.map((st) => ({ ...st, resource: r.name })));
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
    if (!known.has(k) && !k.startsWith("__") && !empty) throw new Error(`${r.type} ${r.name}: input '${k}' is not modelled`);
  }
  if (known.has("name") && isUnset(r.inputs.name)) {
    throw new Error(`${r.type} ${r.name}: set 'name' explicitly (Pulumi auto-naming is not modelled)`);
  }
  const zero = { string: "", bool: false, int: 0, set: [], list: [] } as const;
  const d: State = {};
  for (const f of kind.fields) {
    const v = r.inputs[f.name];
    d[f.name] = isUnset(v) ? (f.default ?? zero[f.type]) : Array.isArray(v) ? v.map(String) : v;
  }
  return d;
}

/** Terraform's plan after refresh: sets compare unordered, Optional+Computed fields left unset never diff. */
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
