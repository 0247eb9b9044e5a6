/**
 * API reference from the doc comments: every export of components/index.ts, each interface with its
 * fields (type and doc comment). `npm run docs` writes docs/API.md; a test fails when it is stale.
 */
import * as fs from "fs";
import * as path from "path";
import { format, resolveConfig } from "prettier";
import * as ts from "typescript";

const ROOT = path.resolve(__dirname, "..");
export const API_FILE = path.join(ROOT, "docs/API.md");

export function generateApiDocs(): string {
  const entry = path.join(ROOT, "components/index.ts");
  const program = ts.createProgram([entry], { strict: true, skipLibCheck: true, esModuleInterop: true });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(entry)!)!;
  const exports = checker.getExportsOfModule(module).sort((a, b) => a.name.localeCompare(b.name));
  const doc = (s: ts.Symbol) => ts.displayPartsToString(s.getDocumentationComment(checker)).replace(/\n+/g, " ").trim();
  const sections = { classes: [] as string[], interfaces: [] as string[], functions: [] as string[], other: [] as string[] };

  for (const exported of exports) {
    const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
    const decl = symbol.declarations?.[0];
    if (!decl) continue;
    const title = `### ${exported.name}\n\n${doc(symbol) || "(no description)"}\n`;
    if (ts.isClassDeclaration(decl)) {
      const ctor = symbol.members?.get("__constructor" as ts.__String)?.declarations?.[0] as ts.ConstructorDeclaration | undefined;
      const params = ctor ? ctor.parameters.map((p) => p.getText()).join(", ") : "";
      sections.classes.push(`${title}\n\`new ${exported.name}(${params})\`\n${members(symbol, checker, doc, true)}`);
    } else if (ts.isInterfaceDeclaration(decl)) {
      sections.interfaces.push(`${title}${members(symbol, checker, doc, false)}`);
    } else if (ts.isFunctionDeclaration(decl)) {
      const sig = checker.getSignatureFromDeclaration(decl);
      sections.functions.push(`${title}\n\`${exported.name}${sig ? checker.signatureToString(sig) : "()"}\`\n`);
    } else {
      sections.other.push(`${title}\n\`${oneLine(decl.getText())}\`\n`);
    }
  }
  return [
    "# API reference",
    "",
    "Generated from the doc comments by `npm run docs` (scripts/apidocs.ts); do not edit by hand.",
    "",
    "## Components",
    "",
    ...sections.classes,
    "## Argument and result types",
    "",
    ...sections.interfaces,
    "## Functions",
    "",
    ...sections.functions,
    "## Constants and type aliases",
    "",
    ...sections.other,
  ].join("\n");
}

/** The file's exact content: generated, then formatted the way `npm run check` expects. */
export async function renderApiDocs(): Promise<string> {
  return format(`${generateApiDocs()}\n`, { ...(await resolveConfig(API_FILE)), parser: "markdown" });
}

function members(symbol: ts.Symbol, checker: ts.TypeChecker, doc: (s: ts.Symbol) => string, readonlyOnly: boolean): string {
  const rows: string[] = [];
  symbol.members?.forEach((m, name) => {
    const d = m.declarations?.[0];
    if (!d || !(ts.isPropertySignature(d) || ts.isPropertyDeclaration(d))) return;
    if (readonlyOnly && !(ts.getCombinedModifierFlags(d) & ts.ModifierFlags.Readonly)) return;
    const optional = m.flags & ts.SymbolFlags.Optional ? "?" : "";
    const type = d.type ? oneLine(d.type.getText()) : checker.typeToString(checker.getTypeOfSymbol(m));
    rows.push(`| \`${String(name)}${optional}\` | \`${type.replace(/\|/g, "\\|")}\` | ${doc(m).replace(/\|/g, "\\|")} |`);
  });
  if (rows.length === 0) return "";
  return `\n| ${readonlyOnly ? "output" : "field"} | type | description |\n| --- | --- | --- |\n${rows.join("\n")}\n`;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, " ").trim();
}

if (require.main === module && process.argv[2] === "--check") {
  // Prettier loads plugins with dynamic import, which jest cannot; the docs test runs this instead.
  void renderApiDocs().then((text) => {
    const stale = !fs.existsSync(API_FILE) || fs.readFileSync(API_FILE, "utf8") !== text;
    process.stdout.write(stale ? "docs/API.md is stale: run npm run docs\n" : "docs/API.md is up to date\n");
    process.exit(stale ? 1 : 0);
  });
} else if (require.main === module) {
  void renderApiDocs().then((text) => {
    fs.mkdirSync(path.dirname(API_FILE), { recursive: true });
    fs.writeFileSync(API_FILE, text);
    process.stdout.write(`wrote ${path.relative(ROOT, API_FILE)}\n`);
  });
}
