import { dependencyOrder, flattenInputs, longestChain, renderPlan } from "../scripts/offline/planReport";
import type { RecordedResource } from "../scripts/offline/mockCloud";

function r(name: string, deps: string[] = [], custom = true, type = "azure-native:x:Y"): RecordedResource {
  return { type, name, urn: `urn:${name}`, dependencies: deps.map((d) => `urn:${d}`), custom, inputs: {} };
}

describe("dependencyOrder", () => {
  it("puts every resource after what it waits on, keeping registration order otherwise", () => {
    const order = dependencyOrder([r("c", ["b"]), r("a"), r("b", ["a"]), r("d")]).map((x) => x.name);
    expect(order).toEqual(["a", "b", "c", "d"]);
  });

  it("refuses a cycle", () => {
    expect(() => dependencyOrder([r("a", ["b"]), r("b", ["a"])])).toThrow(/cycle/);
  });
});

describe("longestChain", () => {
  it("counts only matching resources but follows dependencies through the others", () => {
    const resources = [
      r("server"),
      r("provider", ["server"], true, "pulumi:providers:x"),
      r("admin1", ["server"]),
      r("admin2", ["admin1"]),
      r("grant", ["provider", "admin2"], true, "postgresql:g"),
    ];
    expect(longestChain(resources, (x) => x.type.startsWith("azure-native:")).map((x) => x.name)).toEqual(["server", "admin1", "admin2"]);
    expect(longestChain(resources, () => true).map((x) => x.name)).toEqual(["server", "admin1", "admin2", "grant"]);
  });

  it("is as long as the longest branch of a fan-out", () => {
    const resources = [r("server"), r("a", ["server"]), r("b", ["server"]), r("c", ["b"])];
    expect(longestChain(resources, () => true).map((x) => x.name)).toEqual(["server", "b", "c"]);
  });
});

describe("renderPlan", () => {
  it("lists resources in dependency order with what each waits on and hides secrets", () => {
    const secret = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "hunter2" };
    const admin = { ...r("admin", ["server"]), inputs: { principalName: "pg-dba", password: secret } };
    const text = renderPlan([admin, r("server")], "title");
    expect(text.indexOf("server")).toBeLessThan(text.indexOf("admin"));
    expect(text).toContain("waits on: server");
    expect(text).toContain("password = [secret]");
    expect(text).not.toContain("hunter2");
  });

  it("flattens nested inputs to dotted keys", () => {
    expect(flattenInputs({ a: { b: 1, c: ["x", "y"] }, d: "" })).toEqual([
      ["a.b", "1"],
      ["a.c", "[x, y]"],
    ]);
  });
});
