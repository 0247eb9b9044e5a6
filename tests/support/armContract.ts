/**
 * Contract checks against Azure's own OpenAPI spec (Microsoft.DBforPostgreSQL 2025-08-01, in
 * tests/data/azure-rest-api-specs): builds the ARM PUT request each recorded azure-native resource would send and
 * validates its path parameters and body with a JSON Schema validator over the spec's definitions.
 *
 * The spec is read as a closed world: a body property the spec does not define, or one it marks
 * read-only, is an error, because ARM ignores the first silently and rejects or ignores the second.
 */
import * as fs from "fs";
import * as path from "path";
import Ajv, { ErrorObject, ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { RecordedResource } from "../../scripts/offline/mockCloud";

const SPECS = path.resolve(__dirname, "../data/azure-rest-api-specs");
const SPEC_FILE = path.join(SPECS, "postgresql-flexibleserver-2025-08-01.openapi.json");
const COMMON_FILE = path.join(SPECS, "common-types-resource-management-v6-types.json");
const COMMON_REF = "../../../../common-types/resource-management/v6/types.json#/";

/** The ARM path under the server for each azure-native type we send; the rest comes from the spec. */
const ARM_PATHS: Record<string, string> = {
  "azure-native:dbforpostgresql:Server": "flexibleServers/{serverName}",
  "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra": "flexibleServers/{serverName}/administrators/{objectId}",
  "azure-native:dbforpostgresql:Configuration": "flexibleServers/{serverName}/configurations/{configurationName}",
  "azure-native:dbforpostgresql:FirewallRule": "flexibleServers/{serverName}/firewallRules/{firewallRuleName}",
  "azure-native:dbforpostgresql:Database": "flexibleServers/{serverName}/databases/{databaseName}",
};

export const CONTRACT_TYPES = Object.keys(ARM_PATHS);

type Json = Record<string, unknown>;

export interface ArmRequest {
  method: "PUT";
  path: string;
  pathParameters: Record<string, string>;
  body: Json;
}

export interface ContractViolation {
  where: string;
  message: string;
}

interface Operation {
  pathParams: Json[];
  bodyRef: string;
}

export class ArmContract {
  private readonly spec: Json;
  private readonly common: Json;
  private readonly ajv: Ajv;
  private readonly validators = new Map<string, ValidateFunction>();

  constructor() {
    this.spec = JSON.parse(fs.readFileSync(SPEC_FILE, "utf8"));
    this.common = JSON.parse(fs.readFileSync(COMMON_FILE, "utf8"));
    this.ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(this.ajv, ["uuid", "date-time", "uri"]);
    this.ajv.addFormat("int32", { type: "number", validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31 });
    this.ajv.addFormat("int64", { type: "number", validate: (n: number) => Number.isInteger(n) });
    this.ajv.addFormat("arm-id", /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/.+$/i);
    this.ajv.addFormat("password", /.*/);
    this.ajv.addFormat("duration", /^P/);
    this.ajv.addSchema({ $id: "arm", definitions: this.closedDefinitions() });
  }

  /** The PUT request the azure-native provider would send for a recorded resource. */
  requestFor(resource: RecordedResource): ArmRequest {
    const template = ARM_PATHS[resource.type];
    if (!template) throw new Error(`no ARM contract for ${resource.type}`);
    const op = this.operation(template);
    // The engine hands the provider plaintext: secrets are only wrapped in state and on the wire to it.
    const inputs = unwrapSecrets(resource.inputs) as Json;
    const pathParameters: Record<string, string> = {};
    for (const p of [{ name: "resourceGroupName" }, ...op.pathParams]) {
      const name = String(p.name);
      if (inputs[name] !== undefined) pathParameters[name] = String(inputs[name]);
    }
    // azure-native flattens `properties` (x-ms-client-flatten): top-level body fields are the ones the
    // spec defines beside `properties`; every other input that is not a path parameter goes inside it.
    const topLevel = new Set(Object.keys(this.flatten(op.bodyRef).properties ?? {}).filter((k) => k !== "properties"));
    const body: Json = {};
    const properties: Json = {};
    for (const [key, value] of Object.entries(inputs)) {
      if (key in pathParameters || value === undefined) continue;
      if (topLevel.has(key)) body[key] = value;
      else properties[key] = value;
    }
    if (Object.keys(properties).length > 0) body.properties = properties;
    const armPath =
      `/subscriptions/{subscriptionId}/resourceGroups/${pathParameters.resourceGroupName}/providers/Microsoft.DBforPostgreSQL/` +
      template.replace(/\{(\w+)\}/g, (_, n: string) => pathParameters[n] ?? `{${n}}`);
    return { method: "PUT", path: armPath, pathParameters, body };
  }

  /** Every way the request breaks the spec; empty when it conforms. */
  violations(request: ArmRequest, type: string): ContractViolation[] {
    const op = this.operation(ARM_PATHS[type]);
    const out: ContractViolation[] = [];
    const common = this.common.parameters as Record<string, Json>;
    for (const p of [common.ResourceGroupNameParameter, ...op.pathParams]) {
      const name = String(p.name);
      const value = request.pathParameters[name];
      if (value === undefined) {
        if (p.required) out.push({ where: `path.${name}`, message: "is required" });
        continue;
      }
      const schema = { type: p.type, minLength: p.minLength, maxLength: p.maxLength, pattern: p.pattern, enum: p.enum };
      const validate = this.ajv.compile(JSON.parse(JSON.stringify(schema)));
      if (!validate(value)) out.push(...describe(validate.errors, `path.${name}`));
    }
    const bodyValidator = this.validatorFor(op.bodyRef);
    if (!bodyValidator(request.body)) out.push(...describe(bodyValidator.errors, "body"));
    return out;
  }

  private validatorFor(ref: string): ValidateFunction {
    let v = this.validators.get(ref);
    if (!v) {
      v = this.ajv.compile({ $ref: `arm#/definitions/${ref}` });
      this.validators.set(ref, v);
    }
    return v;
  }

  private operation(template: string): Operation {
    const suffix = `/providers/Microsoft.DBforPostgreSQL/${template}`;
    const paths = this.spec.paths as Record<string, Record<string, Json>>;
    const key = Object.keys(paths).find((p) => p.endsWith(suffix));
    if (!key || !paths[key].put) throw new Error(`spec has no PUT for ${suffix}`);
    const params = paths[key].put.parameters as Json[];
    const body = params.find((p) => p.in === "body");
    const bodyRef = String((body?.schema as Json).$ref).replace("#/definitions/", "");
    return { pathParams: params.filter((p) => p.in === "path"), bodyRef };
  }

  /** A definition with its allOf parents merged in, as one object schema. */
  private flatten(name: string): Json {
    const defs = { ...this.prefixed(), ...(this.spec.definitions as Record<string, Json>) };
    const merge = (def: Json): Json => {
      let properties = { ...((def.properties as Json) ?? {}) };
      let required = [...((def.required as string[]) ?? [])];
      for (const parent of (def.allOf as Json[]) ?? []) {
        const p = merge(defs[refName(String(parent.$ref))]);
        properties = { ...(p.properties as Json), ...properties };
        required = [...((p.required as string[]) ?? []), ...required];
      }
      const { allOf: _allOf, ...rest } = def;
      return { ...rest, properties, ...(required.length ? { required } : {}) };
    };
    return merge(defs[name]);
  }

  private prefixed(): Record<string, Json> {
    // Refs inside the common-types file are local to it; make them point at the prefixed names.
    const local = JSON.stringify(this.common.definitions).replace(/"#\/definitions\//g, `"${COMMON_REF}definitions/`);
    const defs = JSON.parse(local) as Record<string, Json>;
    return Object.fromEntries(Object.entries(defs).map(([k, v]) => [`common.${k}`, v]));
  }

  /** Every definition, allOf merged, closed to unknown properties, read-only properties forbidden. */
  private closedDefinitions(): Record<string, unknown> {
    const names = [...Object.keys(this.prefixed()), ...Object.keys(this.spec.definitions as Json)];
    const out: Record<string, unknown> = {};
    for (const name of names) {
      const def = this.flatten(name);
      const props = def.properties as Record<string, Json>;
      if (Object.keys(props).length > 0) {
        for (const [k, p] of Object.entries(props)) {
          if (p.readOnly === true) props[k] = { not: {}, description: "read-only: the server sets it" };
        }
        if (def.additionalProperties === undefined) def.additionalProperties = false;
      } else {
        delete def.properties;
      }
      out[name] = rewriteRefs(def);
    }
    return out;
  }
}

const SECRET_SIG = "4dabf18193072939515e22adb298388d";

function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (value && typeof value === "object") {
    const o = value as Json;
    if (o[SECRET_SIG] === "1b47061264138c4ac30d75fd1eb44270") return unwrapSecrets(o.value);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}

function refName(ref: string): string {
  return ref.startsWith(COMMON_REF) ? `common.${ref.slice(COMMON_REF.length + "definitions/".length)}` : ref.replace("#/definitions/", "");
}

function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value && typeof value === "object") {
    const out: Json = {};
    for (const [k, v] of Object.entries(value as Json)) {
      out[k] = k === "$ref" && typeof v === "string" ? `arm#/definitions/${refName(v)}` : rewriteRefs(v);
    }
    return out;
  }
  return value;
}

function describe(errors: ErrorObject[] | null | undefined, prefix: string): ContractViolation[] {
  return (errors ?? [])
    .filter((e) => e.keyword !== "if")
    .map((e) => {
      const where = `${prefix}${e.instancePath.replace(/\//g, ".")}`;
      if (e.keyword === "additionalProperties") {
        return { where, message: `has ${String(e.params.additionalProperty)}, which the spec does not define` };
      }
      if (e.keyword === "not") return { where, message: "is read-only in the spec and must not be sent" };
      return {
        where,
        message: `${e.message ?? e.keyword}${e.params && "allowedValues" in e.params ? ` (${String(e.params.allowedValues)})` : ""}`,
      };
    });
}
