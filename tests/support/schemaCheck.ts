/**
 * Checks a program's use of a component against the inferred package schema: every property exists, has
 * the right type (enums: one of their values), required ones are present, and no output goes into a plain
 * property. Programs are parsed, not run (no Pulumi CLI here): values are literals or `Expr` for whatever
 * the language computes (an output of another resource, a config read).
 */

/** A value the program computes; `output` when it is another resource's output (never plain). */
export interface Expr {
  expr: string;
  output: boolean;
}
export type Value = string | number | boolean | null | Value[] | { [key: string]: Value } | Expr;

interface Property {
  type?: string;
  $ref?: string;
  plain?: boolean;
  items?: Property;
  additionalProperties?: Property;
}
interface TypeDef {
  type: string;
  properties?: Record<string, Property>;
  required?: string[];
  enum?: { value: string | number }[];
}
export interface PackageSchema {
  name: string;
  resources: Record<string, { inputProperties: Record<string, Property>; requiredInputs?: string[] }>;
  types: Record<string, TypeDef>;
}

export const isExpr = (v: Value): v is Expr => typeof v === "object" && v !== null && !Array.isArray(v) && "expr" in v;
const isObject = (v: Value): v is { [key: string]: Value } => typeof v === "object" && v !== null && !Array.isArray(v) && !isExpr(v);

/** Problems with `properties` as the inputs of resource `token`; empty when every use fits. */
export function checkResource(schema: PackageSchema, token: string, properties: Value, rename = (k: string) => k): string[] {
  const resource = schema.resources[token];
  if (!resource) return [`${token}: no such resource in the schema`];
  return checkObject(schema, properties, resource.inputProperties, resource.requiredInputs ?? [], token, rename);
}

function checkObject(
  schema: PackageSchema,
  value: Value,
  properties: Record<string, Property>,
  required: string[],
  at: string,
  rename: (k: string) => string,
): string[] {
  if (isExpr(value)) return [];
  if (!isObject(value)) return [`${at}: an object, not ${JSON.stringify(value)}`];
  const errors: string[] = [];
  const given = new Map(Object.entries(value).map(([k, v]) => [rename(k), [k, v] as const]));
  for (const [name, [written, v]] of given) {
    const p = properties[name];
    if (!p) errors.push(`${at}.${written}: no such property (has ${Object.keys(properties).sort().join(", ")})`);
    else errors.push(...checkValue(schema, v, p, `${at}.${written}`, rename));
  }
  for (const r of required) if (!given.has(r)) errors.push(`${at}.${r}: required, missing`);
  return errors;
}

function checkValue(schema: PackageSchema, value: Value, p: Property, at: string, rename: (k: string) => string): string[] {
  if (isExpr(value)) return value.output && p.plain ? [`${at}: plain, so it cannot take an output (${value.expr})`] : [];
  if (p.$ref) {
    const ref = p.$ref.replace(/^#\/types\//, "");
    const def = schema.types[ref];
    if (!def) return p.$ref.startsWith("#/types/") ? [`${at}: unknown type ${p.$ref}`] : [];
    if (def.enum) {
      const allowed = def.enum.map((e) => e.value);
      return allowed.includes(value as string | number) ? [] : [`${at}: ${JSON.stringify(value)} is not one of ${allowed.join(", ")}`];
    }
    return checkObject(schema, value, def.properties ?? {}, def.required ?? [], at, rename);
  }
  switch (p.type) {
    case "string":
      return typeof value === "string" ? [] : [`${at}: a string, not ${JSON.stringify(value)}`];
    case "number":
    case "integer":
      return typeof value === "number" ? [] : [`${at}: a number, not ${JSON.stringify(value)}`];
    case "boolean":
      return typeof value === "boolean" ? [] : [`${at}: true or false, not ${JSON.stringify(value)}`];
    case "array":
      if (!Array.isArray(value)) return [`${at}: a list, not ${JSON.stringify(value)}`];
      return value.flatMap((item, i) => checkValue(schema, item, p.items!, `${at}[${i}]`, rename));
    case "object":
      if (!isObject(value)) return [`${at}: a map, not ${JSON.stringify(value)}`];
      return Object.entries(value).flatMap(([k, v]) => checkValue(schema, v, p.additionalProperties ?? {}, `${at}.${k}`, rename));
    default:
      return [];
  }
}

/** Python's SDKs spell properties in snake_case: `resource_group_name` is `resourceGroupName`. */
export function snakeToCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

/**
 * The keyword arguments of the first call `<callee>(...)` in Python source, as values: dict, list,
 * string, number and True/False/None literals; anything else is an Expr (an attribute of another
 * resource, such as `app.principal_id`, counts as an output; a call such as `config.require(...)` does not).
 */
export function pythonCallKeywords(source: string, callee: string): { [key: string]: Value } {
  const start = source.indexOf(`${callee}(`);
  if (start < 0) throw new Error(`no call to ${callee}`);
  const p = new PythonLiterals(source, start + callee.length + 1);
  const keywords: { [key: string]: Value } = {};
  p.skip();
  // The resource name comes first, positionally.
  p.value();
  while (p.consume(",")) {
    p.skip();
    if (p.peek() === ")") break;
    const name = p.identifier();
    p.expect("=");
    keywords[name] = p.value();
  }
  return keywords;
}

class PythonLiterals {
  constructor(
    private readonly s: string,
    private i: number,
  ) {}

  skip(): void {
    for (;;) {
      while (/\s/.test(this.s[this.i] ?? "")) this.i++;
      if (this.s[this.i] !== "#") return;
      while (this.i < this.s.length && this.s[this.i] !== "\n") this.i++;
    }
  }
  peek(): string {
    this.skip();
    return this.s[this.i];
  }
  consume(c: string): boolean {
    if (this.peek() !== c) return false;
    this.i++;
    return true;
  }
  expect(c: string): void {
    if (!this.consume(c)) throw new Error(`expected ${c} at ${this.s.slice(this.i, this.i + 30)}`);
  }
  identifier(): string {
    this.skip();
    const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(this.s.slice(this.i));
    if (!m) throw new Error(`expected a name at ${this.s.slice(this.i, this.i + 30)}`);
    this.i += m[0].length;
    return m[0];
  }
  value(): Value {
    const c = this.peek();
    if (c === "{") {
      this.i++;
      const out: { [key: string]: Value } = {};
      while (!this.consume("}")) {
        const key = this.value();
        if (typeof key !== "string") throw new Error(`a dict key that is not a string: ${JSON.stringify(key)}`);
        this.expect(":");
        out[key] = this.value();
        this.consume(",");
      }
      return out;
    }
    if (c === "[") {
      this.i++;
      const out: Value[] = [];
      while (!this.consume("]")) {
        out.push(this.value());
        this.consume(",");
      }
      return out;
    }
    if (c === '"' || c === "'") {
      const end = this.s.indexOf(c, this.i + 1);
      const text = this.s.slice(this.i + 1, end);
      this.i = end + 1;
      return text;
    }
    // An expression: up to the next top-level comma or closing bracket.
    const from = this.i;
    let depth = 0;
    while (this.i < this.s.length) {
      const ch = this.s[this.i];
      if ("([{".includes(ch)) depth++;
      else if (")]}".includes(ch)) {
        if (depth === 0) break;
        depth--;
      } else if (ch === "," && depth === 0) break;
      this.i++;
    }
    const text = this.s.slice(from, this.i).trim();
    if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
    if (text === "True" || text === "False") return text === "True";
    if (text === "None") return null;
    return { expr: text, output: /^[a-z_][a-z0-9_]*\.[a-z_][a-z0-9_]*$/.test(text) && !text.startsWith("config.") };
  }
}

/** A Pulumi YAML value: `${resource.property}` interpolations are outputs, `${configKey}` plain config. */
export function yamlValue(v: unknown, resources: Set<string>): Value {
  if (typeof v === "string") {
    const m = /^\$\{([^}]+)\}$/.exec(v);
    if (m) return { expr: v, output: resources.has(m[1].split(".")[0]) };
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => yamlValue(x, resources));
  if (v !== null && typeof v === "object")
    return Object.fromEntries(Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, yamlValue(x, resources)]));
  return v as Value;
}
