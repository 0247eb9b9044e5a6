/**
 * What each preset must give, written out by hand from the README and the GrantArgs docs (not derived
 * from components/access/plan.ts, so a planning mistake cannot hide itself), in the line format of
 * catalog.accessOf.
 */
import type { Preset } from "../../../components/access/args";
import type { PrincipalType } from "../../../components/principals";

/** Objects present in a schema when the privileges are read. */
export interface SchemaObjects {
  schema: string;
  tables: string[];
  sequences: string[];
  /** Functions with their identity arguments, e.g. "f()". */
  functions: string[];
}

const PER_PRESET = {
  read: { table: ["SELECT"], sequence: ["SELECT"], function: [] as string[] },
  readWrite: { table: ["DELETE", "INSERT", "SELECT", "UPDATE"], sequence: ["SELECT", "UPDATE", "USAGE"], function: ["EXECUTE"] },
};

/**
 * What a principal with `preset` on `database` (granted on the schemas in `objects`) may do, in the line
 * format of catalog.accessOf. read/readWrite: CONNECT, USAGE on each schema, the preset's privileges on
 * every existing table, sequence and function, and the same as default privileges for objects the owner
 * role makes later. owner: it acts as the owner role, so it owns the database, the schemas the component
 * created (public belongs to azure_pg_admin, as on Azure: CREATE and USAGE on it) and everything the owner role made.
 */
export function expectedAccess(preset: Preset, database: string, owner: string, objects: SchemaObjects[]): string[] {
  if (preset === "owner") {
    const out = [`owns database ${database}`];
    for (const o of objects) {
      const at = (line: string) => out.push(`[${database}] owns ${line}`);
      if (o.schema !== "public") at(`schema ${o.schema}`);
      // Azure's public schema is azure_pg_admin's: the owner role is granted CREATE and USAGE on it.
      else out.push(`[${database}] schema public: CREATE`, `[${database}] schema public: USAGE`);
      for (const t of o.tables) at(`table ${o.schema}.${t}`);
      for (const s of o.sequences) at(`sequence ${o.schema}.${s}`);
      for (const f of o.functions) at(`function ${o.schema}.${f}`);
    }
    return out.sort();
  }
  const p = PER_PRESET[preset];
  const out = [`database ${database}: CONNECT`];
  for (const o of objects) {
    const at = (line: string) => out.push(`[${database}] ${line}`);
    at(`schema ${o.schema}: USAGE`);
    for (const t of o.tables) for (const x of p.table) at(`table ${o.schema}.${t}: ${x}`);
    for (const s of o.sequences) for (const x of p.sequence) at(`sequence ${o.schema}.${s}: ${x}`);
    for (const f of o.functions) for (const x of p.function) at(`function ${o.schema}.${f}: ${x}`);
    for (const x of p.table) at(`default tables ${o.schema} for ${owner}: ${x}`);
    for (const x of p.sequence) at(`default sequences ${o.schema} for ${owner}: ${x}`);
    for (const x of p.function) at(`default functions ${o.schema} for ${owner}: ${x}`);
  }
  return out.sort();
}

/** Azure's label for a mapped principal: managed identities are service principals to pgaadauth. */
export function expectedLabel(oid: string, type: PrincipalType): string {
  const kind = { User: "user", Group: "group", ServicePrincipal: "service", ManagedIdentity: "service" }[type];
  return `aadauth,oid=${oid},type=${kind}`;
}
