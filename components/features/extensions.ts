/**
 * PostgreSQL extensions on Azure: the server's allow-list (`azure.extensions`), the libraries loaded
 * at start (`shared_preload_libraries`), and the extensions created in the component's databases.
 *
 * Microsoft's rules ("Considerations with the use of extensions and modules", "Load libraries",
 * "Possible errors when managing extensions"; MicrosoftDocs/azure-databases-docs, articles/postgresql/extensions/):
 * - an extension must be allow-listed before CREATE EXTENSION; otherwise it fails with
 *   `extension "<name>" is not allow-listed for "azure_pg_admin" users in Azure Database for PostgreSQL`;
 * - only members of azure_pg_admin (the Entra administrators, the deployer among them) may create one;
 * - an extension whose library uses shared memory must also be in `shared_preload_libraries`, which
 *   "is a static server parameter, it requires a server restart so that the changes take effect";
 *   pg_cron, pg_hint_plan and AGE are named there (pg_cron fails CREATE EXTENSION with
 *   "pg_cron can only be loaded via shared_preload_libraries" until then); pgaudit and TimescaleDB
 *   need the same by their own documentation;
 * - pg_stat_statements is already preloaded on every server.
 *
 * The component sets shared_preload_libraries only when you give its whole value, never composes it
 * (the value replaces what Azure set), and it does not restart the server: `restartAcknowledged`
 * says you will (`az postgres flexible-server restart`) before creating such an extension.
 */
import type { Add } from "./common";

/** Extensions that load a library at server start, with where that is documented. */
export const NEEDS_PRELOAD: Readonly<Record<string, string>> = {
  age: "Microsoft's extension considerations (AGE)",
  pg_cron: "Microsoft's extension considerations (pg_cron)",
  pg_hint_plan: "Microsoft's extension considerations (pg_hint_plan)",
  pgaudit: "pgaudit's README",
  timescaledb: "TimescaleDB's installation guide",
};
/** Already in Azure's shared_preload_libraries on every server (Microsoft's extension considerations). */
export const PRELOADED_BY_AZURE = ["pg_stat_statements"];

/** Server side: which extensions may be created, and which libraries load at start. Default: unset (Azure's allow-list, empty). */
export interface ServerExtensionsArgs {
  /** Extension names users may create (`azure.extensions`), e.g. ["pg_trgm", "pgcrypto", "vector"]. Lower case. */
  allowList: string[];
  /**
   * The whole value of `shared_preload_libraries`, e.g. ["pg_cron", "pg_stat_statements"]; it replaces
   * Azure's value, so keep pg_stat_statements. Must include every allow-listed extension that needs
   * preloading (age, pg_cron, pg_hint_plan, pgaudit, timescaledb). Default: unset (Azure's value).
   */
  sharedPreloadLibraries?: string[];
  /**
   * Required true with sharedPreloadLibraries: it is a static parameter that Azure applies only after a
   * server restart, which this component does not do. Restart once after the `pulumi up` that changes
   * it, before creating an extension that needs it.
   */
  restartAcknowledged?: boolean;
}

/** An extension to create in one of the component's databases. */
export interface DatabaseExtensionArgs {
  /** Extension name; must be in the server's `extensions.allowList`. */
  name: string;
  /** Schema for its objects: public or one of the database's schemas. Default: the extension's own choice (usually public). */
  schema?: string;
}

export interface PlannedDatabaseExtension {
  /** Stable part of the resource name: database key and extension name. */
  key: string;
  database: string;
  name: string;
  schema?: string;
}

const EXTENSION_NAME = /^[a-z0-9][a-z0-9_-]{0,62}$/;

export function validateServerExtensions(e: ServerExtensionsArgs | undefined, add: Add): void {
  if (e === undefined) return;
  if (e === null || typeof e !== "object") {
    add("extensions", e, '{ allowList: ["pg_trgm", ...], sharedPreloadLibraries?, restartAcknowledged? }');
    return;
  }
  const allowed = nameList("extensions.allowList", e.allowList, add, true);
  if (e.sharedPreloadLibraries !== undefined) {
    const preload = nameList("extensions.sharedPreloadLibraries", e.sharedPreloadLibraries, add, false);
    if (e.restartAcknowledged !== true)
      add(
        "extensions.restartAcknowledged",
        e.restartAcknowledged,
        "true: shared_preload_libraries takes effect only after a server restart, which you run yourself (az postgres flexible-server restart)",
      );
    for (const lib of PRELOADED_BY_AZURE)
      if (!preload.includes(lib))
        add(
          "extensions.sharedPreloadLibraries",
          e.sharedPreloadLibraries,
          `a list that keeps ${lib}, which Azure preloads on every server`,
        );
    for (const ext of allowed)
      if (ext in NEEDS_PRELOAD && !preload.includes(ext))
        add(
          "extensions.sharedPreloadLibraries",
          e.sharedPreloadLibraries,
          `a list with ${ext}: it loads at server start (${NEEDS_PRELOAD[ext]})`,
        );
  } else {
    for (const ext of allowed)
      if (ext in NEEDS_PRELOAD)
        add(
          "extensions.sharedPreloadLibraries",
          undefined,
          `the whole shared_preload_libraries value including ${ext} (and pg_stat_statements): ${ext} loads at server start (${NEEDS_PRELOAD[ext]})`,
        );
    if (e.restartAcknowledged !== undefined && typeof e.restartAcknowledged !== "boolean")
      add("extensions.restartAcknowledged", e.restartAcknowledged, "true or false");
  }
}

function nameList(field: string, list: unknown, add: Add, required: boolean): string[] {
  if (!Array.isArray(list) || (required && list.length === 0)) {
    add(field, list, required ? 'a list of extension names, e.g. ["pg_trgm"]' : "a list of library names");
    return [];
  }
  const seen = new Set<string>();
  const out: string[] = [];
  list.forEach((n, i) => {
    if (typeof n !== "string" || !EXTENSION_NAME.test(n))
      add(`${field}[${i}]`, n, "a lower-case extension or library name (letters, digits, '_' or '-')");
    else if (seen.has(n)) add(`${field}[${i}]`, n, "each name once");
    else out.push(n);
    if (typeof n === "string") seen.add(n);
  });
  return out;
}

/** The server parameters to set: the allow-list always, shared_preload_libraries only when given. */
export function extensionParameters(e: ServerExtensionsArgs | undefined): { name: string; value: string }[] {
  if (e === undefined) return [];
  const params = [{ name: "azure.extensions", value: [...e.allowList].sort().join(",") }];
  if (e.sharedPreloadLibraries !== undefined) params.push({ name: "shared_preload_libraries", value: e.sharedPreloadLibraries.join(",") });
  return params;
}

/** One database's extensions: names checked, each once, the schema one the database has. */
export function validateDatabaseExtensions(
  field: string,
  extensions: DatabaseExtensionArgs[] | undefined,
  schemas: string[],
  allowList: string[] | undefined,
  add: Add,
): void {
  if (extensions === undefined) return;
  if (!Array.isArray(extensions)) {
    add(field, extensions, 'a list of { name, schema? }, e.g. [{ name: "pg_trgm" }]');
    return;
  }
  const seen = new Set<string>();
  extensions.forEach((x, i) => {
    const f = `${field}[${i}]`;
    if (x === null || typeof x !== "object" || typeof x.name !== "string" || !EXTENSION_NAME.test(x.name)) {
      add(`${f}.name`, x?.name, "a lower-case extension name, e.g. pg_trgm");
      return;
    }
    if (seen.has(x.name)) add(`${f}.name`, x.name, "each extension once per database (an extension exists once in a database)");
    seen.add(x.name);
    if (allowList !== undefined && !allowList.includes(x.name))
      add(
        `${f}.name`,
        x.name,
        `an extension in server.extensions.allowList (${allowList.join(", ") || "empty"}): Azure refuses one that is not allow-listed`,
      );
    if (x.schema !== undefined && !schemas.includes(x.schema))
      add(`${f}.schema`, x.schema, `one of the database's schemas: ${schemas.join(", ")}`);
  });
}

export function planDatabaseExtensions(
  databases: { key: string; name: string; extensions?: DatabaseExtensionArgs[] }[],
): PlannedDatabaseExtension[] {
  return databases
    .flatMap((db) =>
      (db.extensions ?? []).map((x) => ({
        key: `${db.key}-${x.name}`,
        database: db.name,
        name: x.name,
        ...(x.schema ? { schema: x.schema } : {}),
      })),
    )
    .sort((a, b) => a.key.localeCompare(b.key));
}
