/** Turns the resources a program registered into the review text `npm run plan` prints. */
import type { RecordedResource } from "./mockCloud";

const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const MAX_VALUE = 100;

/** Resources in an order where each comes after everything it waits on (registration order breaks ties). */
export function dependencyOrder(resources: RecordedResource[]): RecordedResource[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const done = new Set<string>();
  const out: RecordedResource[] = [];
  const visit = (r: RecordedResource, path: Set<string>) => {
    if (done.has(r.urn)) return;
    if (path.has(r.urn)) throw new Error(`dependency cycle through ${r.name}`);
    path.add(r.urn);
    for (const dep of [r.parent, ...r.dependencies]) {
      const d = dep ? byUrn.get(dep) : undefined;
      if (d) visit(d, path);
    }
    path.delete(r.urn);
    done.add(r.urn);
    out.push(r);
  };
  for (const r of resources) visit(r, new Set());
  return out;
}

/** `a.b=value` pairs for every set input; secrets shown as [secret], long values cut. */
export function flattenInputs(value: unknown, prefix = ""): [string, string][] {
  if (value === undefined || value === null || value === "") return [];
  if (typeof value === "object" && (value as Record<string, unknown>)[SECRET_SIG] !== undefined) return [[prefix, "[secret]"]];
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v !== "object")) return [[prefix, `[${value.join(", ")}]`]];
    return value.flatMap((v, i) => flattenInputs(v, `${prefix}[${i}]`));
  }
  if (typeof value === "object") {
    return Object.entries(value as Record<string, unknown>).flatMap(([k, v]) => flattenInputs(v, prefix ? `${prefix}.${k}` : k));
  }
  const text = String(value);
  return [[prefix, text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE)}...` : text]];
}

export function renderPlan(resources: RecordedResource[], title: string): string {
  const ordered = dependencyOrder(resources);
  const nameOf = new Map(resources.map((r) => [r.urn, r.name]));
  const lines = [title, ""];
  ordered.forEach((r, i) => {
    const kind = r.custom ? r.type : `${r.type} (component)`;
    lines.push(`${String(i + 1).padStart(3)}. ${r.name}`);
    lines.push(`     type: ${kind}`);
    const waits = r.dependencies.filter((d) => d !== r.parent && nameOf.has(d)).map((d) => nameOf.get(d));
    if (waits.length > 0) lines.push(`     waits on: ${[...new Set(waits)].join(", ")}`);
    if (r.provider) lines.push(`     provider: ${r.provider.split("::").pop()?.split("::")[0]}`);
    for (const [k, v] of flattenInputs(r.inputs)) lines.push(`     ${k} = ${v}`);
  });
  const counts = new Map<string, number>();
  for (const r of resources) counts.set(r.type, (counts.get(r.type) ?? 0) + 1);
  lines.push("", `${resources.length} resources:`);
  for (const [type, n] of [...counts].sort()) lines.push(`  ${String(n).padStart(3)} ${type}`);
  return lines.join("\n");
}

/**
 * The longest chain of resources matching `counts` that must run one after another: each step waits,
 * directly or through resources that do not count, on the one before. Resources that do not count
 * (components, providers, SQL when counting Azure operations) pass their dependencies through.
 */
export function longestChain(resources: RecordedResource[], counts: (r: RecordedResource) => boolean): RecordedResource[] {
  const byUrn = new Map(resources.map((r) => [r.urn, r]));
  const memo = new Map<string, RecordedResource[]>();
  const chainTo = (r: RecordedResource): RecordedResource[] => {
    const known = memo.get(r.urn);
    if (known) return known;
    let best: RecordedResource[] = [];
    for (const dep of r.dependencies) {
      const d = byUrn.get(dep);
      if (!d) continue;
      const c = chainTo(d);
      if (c.length > best.length) best = c;
    }
    const result = counts(r) ? [...best, r] : best;
    memo.set(r.urn, result);
    return result;
  };
  let longest: RecordedResource[] = [];
  for (const r of dependencyOrder(resources)) {
    const c = chainTo(r);
    if (c.length > longest.length) longest = c;
  }
  return longest;
}
