/**
 * An offline stand-in for Azure, Microsoft Graph and the provider plugins, built on Pulumi's mocks.
 *
 * It records every resource the program registers (type, name, inputs, parent and the URNs it waits
 * on) and answers the invokes our components make. The offline plan, the unit tests and the
 * real-PostgreSQL suite all evaluate programs through it; nothing here talks to a network.
 */
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";

export interface RecordedResource {
  type: string;
  name: string;
  urn: string;
  parent?: string;
  /** URNs this resource waits on (dependsOn and inputs taken from other resources). */
  dependencies: string[];
  custom: boolean;
  /** Inputs as the engine would send them to the provider, with Outputs resolved. */
  inputs: Record<string, unknown>;
  /** Provider reference (`urn::id`) when the resource names an explicit provider. */
  provider?: string;
  /** The `ignoreChanges` option: inputs the engine leaves alone once created. */
  ignoreChanges?: string[];
  /** The `deleteBeforeReplace` option. */
  deleteBeforeReplace?: boolean;
  /** The `retainOnDelete` option. */
  retainOnDelete?: boolean;
}

/** A principal in the fake Entra directory. */
export interface DirectoryEntry {
  objectId: string;
  type: "User" | "Group" | "ServicePrincipal";
  /** UPN for users, display name otherwise. */
  name: string;
  clientId?: string;
}

export interface MockCloudOptions {
  /** Principals the azuread lookups can find. Unknown names fail, as Graph does. */
  directory?: DirectoryEntry[];
  tenantId?: string;
  subscriptionId?: string;
  /** The identity running the program (client configuration). */
  deployerObjectId?: string;
  project?: string;
  stack?: string;
  /** Stack config, keyed `<namespace>:<key>`, values as JSON-compatible data. */
  config?: Record<string, unknown>;
  preview?: boolean;
  /**
   * Outputs of other stacks, keyed by the full name a `pulumi.StackReference` asks for
   * (`<org>/<project>/<stack>`). Referring to a stack not listed fails, as it does against a backend.
   */
  stackOutputs?: Record<string, Record<string, unknown>>;
  /**
   * Servers that already exist in Azure, as `getServer` returns them (location, administratorLogin,
   * backup, availabilityZone, network, ...). Any other server is answered with ARM's 404.
   */
  servers?: ExistingServer[];
}

/** A flexible server that exists before the program runs. */
export interface ExistingServer {
  resourceGroupName: string;
  serverName: string;
  [property: string]: unknown;
}

export const FAKE_TENANT = "72f988bf-0000-4000-8000-000000000001";
export const FAKE_SUBSCRIPTION = "00000000-0000-4000-8000-00000000000a";
export const FAKE_DEPLOYER = "d0d0d0d0-0000-4000-8000-00000000000d";

/** A deterministic UUID-shaped value from any text: stable fake ids across runs. */
export function fakeUuid(seed: string): string {
  const h = createHash("sha256").update(seed).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-8${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/**
 * Where Azure puts each resource we mock: the input that names it and its path under the resource
 * group, so ids passed on to other resources (a server id, a delegated subnet, a DNS zone) have the
 * shape Azure gives them.
 */
const ARM_IDS: Record<string, { nameInput: string; path: (inputs: Record<string, unknown>, name: string) => string }> = {
  "azure-native:dbforpostgresql:Server": { nameInput: "serverName", path: (_, n) => `Microsoft.DBforPostgreSQL/flexibleServers/${n}` },
  "azure-native:dbforpostgresql:AdministratorsMicrosoftEntra": {
    nameInput: "objectId",
    path: (i, n) => `Microsoft.DBforPostgreSQL/flexibleServers/${String(i.serverName)}/administrators/${n}`,
  },
  "azure-native:dbforpostgresql:Configuration": {
    nameInput: "configurationName",
    path: (i, n) => `Microsoft.DBforPostgreSQL/flexibleServers/${String(i.serverName)}/configurations/${n}`,
  },
  "azure-native:dbforpostgresql:FirewallRule": {
    nameInput: "firewallRuleName",
    path: (i, n) => `Microsoft.DBforPostgreSQL/flexibleServers/${String(i.serverName)}/firewallRules/${n}`,
  },
  "azure-native:dbforpostgresql:Database": {
    nameInput: "databaseName",
    path: (i, n) => `Microsoft.DBforPostgreSQL/flexibleServers/${String(i.serverName)}/databases/${n}`,
  },
  "azure-native:managedidentity:UserAssignedIdentity": {
    nameInput: "resourceName",
    path: (_, n) => `Microsoft.ManagedIdentity/userAssignedIdentities/${n}`,
  },
  "azure-native:network:VirtualNetwork": { nameInput: "virtualNetworkName", path: (_, n) => `Microsoft.Network/virtualNetworks/${n}` },
  "azure-native:network:Subnet": {
    nameInput: "subnetName",
    path: (i, n) => `Microsoft.Network/virtualNetworks/${String(i.virtualNetworkName)}/subnets/${n}`,
  },
  "azure-native:privatedns:PrivateZone": { nameInput: "privateZoneName", path: (_, n) => `Microsoft.Network/privateDnsZones/${n}` },
  "azure-native:privatedns:VirtualNetworkLink": {
    nameInput: "virtualNetworkLinkName",
    path: (i, n) => `Microsoft.Network/privateDnsZones/${String(i.privateZoneName)}/virtualNetworkLinks/${n}`,
  },
};

/** The protocol's unknown value (what a preview sees for outputs the provider computes). */
const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Outputs Azure computes when it creates the resource, per type. */
const COMPUTED_ON_CREATE: Record<string, string[]> = {
  "azure-native:dbforpostgresql:Server": ["fullyQualifiedDomainName", "state"],
  "azure-native:managedidentity:UserAssignedIdentity": ["principalId", "clientId", "tenantId"],
};

export class MockCloud implements pulumi.runtime.Mocks {
  readonly resources: RecordedResource[] = [];
  readonly invokes: { token: string; inputs: Record<string, unknown> }[] = [];
  private readonly directory: DirectoryEntry[];
  private readonly tenantId: string;
  private readonly subscriptionId: string;
  private readonly deployerObjectId: string;
  private readonly stackOutputs?: Record<string, Record<string, unknown>>;
  private readonly servers: ExistingServer[];
  private readonly preview: boolean;

  /** Resolves once the root stack exists: construct the program's resources after it. */
  readonly ready: Promise<void>;
  private readonly constructed = new Map<pulumi.Resource, Construction>();
  /** Constructed but not yet answered, by `type::name`, oldest first. */
  private readonly unanswered = new Map<string, Construction[]>();
  /** Counts every construction, registration and invoke, so `settled` can tell when the program is quiet. */
  private events = 0;

  constructor(options: MockCloudOptions = {}) {
    this.preview = options.preview ?? false;
    this.directory = options.directory ?? [];
    this.tenantId = options.tenantId ?? FAKE_TENANT;
    this.subscriptionId = options.subscriptionId ?? FAKE_SUBSCRIPTION;
    this.deployerObjectId = options.deployerObjectId ?? FAKE_DEPLOYER;
    this.stackOutputs = options.stackOutputs;
    this.servers = options.servers ?? [];
    this.ready = new Promise<void>((resolve) => (this.startStack = resolve));
  }

  private startStack?: () => void;

  /** Makes the root stack on the mocks just installed (its name is the project's and the stack's). */
  start(): void {
    new pulumi.runtime.Stack(async () => {
      pulumi.runtime.registerStackTransformation((a) => this.transformation(a));
      this.startStack?.();
      return {};
    });
  }

  /**
   * Sees every resource as it is constructed, with the options `newResource` never gets. The URN is
   * the engine's: the parent's type and this one's, the root stack left out, as Pulumi names resources.
   */
  private transformation(args: pulumi.ResourceTransformationArgs): undefined {
    this.events++;
    const parent = args.opts.parent ? this.constructed.get(args.opts.parent)?.record.urn : undefined;
    const type = parent ? `${parent.split("::")[2].split("$").pop()}$${args.type}` : args.type;
    const record: RecordedResource = {
      type: args.type,
      name: args.name,
      urn: `urn:pulumi:${pulumi.getStack()}::${pulumi.getProject()}::${type}::${args.name}`,
      parent,
      dependencies: [],
      // Known when the mocks answer: the resource is still being constructed here.
      custom: false,
      inputs: {},
      ...(args.opts.ignoreChanges?.length ? { ignoreChanges: args.opts.ignoreChanges } : {}),
      ...((args.opts as pulumi.CustomResourceOptions).deleteBeforeReplace ? { deleteBeforeReplace: true } : {}),
      ...(args.opts.retainOnDelete ? { retainOnDelete: true } : {}),
    };
    const waitsOn = (async () => {
      const [explicit, [, byProperty]] = await Promise.all([
        resourcesIn(args.opts.dependsOn),
        pulumi.runtime.serializeResourceProperties(`mockCloud:${args.name}`, args.props),
      ]);
      return [...explicit, ...[...byProperty.values()].flatMap((set) => [...set])];
      // An input that fails fails the registration too, and the program reports that; here it only
      // means there is nothing more to wait on.
    })().catch(() => []);
    const construction = { resource: args.resource, record, waitsOn };
    this.constructed.set(args.resource, construction);
    const key = `${args.type}::${args.name}`;
    this.unanswered.set(key, [...(this.unanswered.get(key) ?? []), construction]);
    return undefined;
  }

  byType(type: string): RecordedResource[] {
    return this.resources.filter((r) => r.type === type);
  }

  byName(name: string): RecordedResource {
    const found = this.resources.find((r) => r.name === name);
    if (!found) throw new Error(`no resource named ${name}; registered: ${this.resources.map((r) => r.name).join(", ")}`);
    return found;
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    this.events++;
    // The root stack installMockCloud makes is not part of the program.
    if (args.type === "pulumi:pulumi:Stack") return { id: undefined, state: {} };
    this.record(args);
    const created = this.created(args);
    if (!this.preview) return created;
    // In a preview of a new stack, what Azure computes on creation (ids, host names, identities'
    // principal and client ids) is unknown to the program: the engine sends the unknown sentinel.
    const state = { ...created.state };
    for (const k of COMPUTED_ON_CREATE[args.type] ?? []) state[k] = UNKNOWN;
    return { id: created.id === undefined ? undefined : args.type.startsWith("azure-native:") ? UNKNOWN : created.id, state };
  }

  /**
   * The recorded resource, in the order registrations reach the engine. Two resources of one type and
   * name under different parents are told apart by the order they were constructed in.
   */
  private record(args: pulumi.runtime.MockResourceArgs): void {
    const key = `${args.type}::${args.name}`;
    const waiting = this.unanswered.get(key) ?? [];
    const construction = waiting.shift();
    if (!construction) {
      throw new Error(
        `MockCloud: ${args.type} "${args.name}" was constructed before the mock stack existed; await cloud.ready after installMockCloud`,
      );
    }
    const { record } = construction;
    record.inputs = args.inputs as Record<string, unknown>;
    record.custom = args.custom !== false;
    // The mock monitor names a provider by its own URN, which includes the root stack's type; ours leaves it out.
    if (args.provider) record.provider = args.provider.replace("::pulumi:pulumi:Stack$", "::");
    this.resources.push(record);
  }

  /** Waits until no construction, registration or invoke has happened for a while, then fills in dependencies. */
  async settled(): Promise<void> {
    await this.ready;
    // The SDK moves from construction to registration through promise callbacks only; a few rounds of
    // the event loop with nothing new mean it is done, or (with constructions still unanswered) that
    // their inputs failed, which the SDK reports itself.
    let seen = -1;
    let quiet = 0;
    for (;;) {
      await new Promise((resolve) => setImmediate(resolve));
      if (this.events !== seen) {
        seen = this.events;
        quiet = 0;
        continue;
      }
      const unanswered = [...this.unanswered.values()].some((w) => w.length > 0);
      if (++quiet >= (unanswered ? 50 : 3)) break;
    }
    const children = new Map<string, Construction[]>();
    for (const c of this.constructed.values()) {
      if (!c.record.parent) continue;
      const siblings = children.get(c.record.parent);
      if (siblings) siblings.push(c);
      else children.set(c.record.parent, [c]);
    }
    for (const { record, waitsOn, resource } of this.constructed.values()) {
      // Whatever can resolve has by now; an Output in dependsOn that stays unknown (a preview) waits on nothing we know.
      const waited = await Promise.race([waitsOn, new Promise<pulumi.Resource[]>((resolve) => setImmediate(() => resolve([])))]);
      record.dependencies = [...new Set(this.customResourcesIn(waited, resource, children))];
    }
  }

  /**
   * What the engine is told a resource waits on: custom resources as they are, components as the
   * custom resources under them (not looking inside custom resources), never the resource itself.
   */
  private customResourcesIn(resources: pulumi.Resource[], self: pulumi.Resource, children: Map<string, Construction[]>): string[] {
    const out: string[] = [];
    const walk = (c: Construction | undefined): void => {
      if (!c || c.resource === self) return;
      if (c.record.custom) out.push(c.record.urn);
      else for (const child of children.get(c.record.urn) ?? []) walk(child);
    };
    for (const r of resources) walk(this.constructed.get(r));
    return out;
  }

  private created(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    const inputs = args.inputs as Record<string, unknown>;
    const state: Record<string, unknown> = { ...inputs };
    let id: string = `${args.name}-id`;
    const arm = (suffix: string) =>
      `/subscriptions/${this.subscriptionId}/resourceGroups/${String(inputs.resourceGroupName)}/providers/${suffix}`;
    const placed = ARM_IDS[args.type];
    if (placed) {
      const name = String(inputs[placed.nameInput] ?? args.name);
      id = arm(placed.path(inputs, name));
      state.name = name;
    }
    switch (args.type) {
      case "azure-native:dbforpostgresql:Server":
        Object.assign(state, { fullyQualifiedDomainName: `${String(state.name)}.postgres.database.azure.com`, state: "Ready" });
        break;
      case "azure-native:managedidentity:UserAssignedIdentity":
        Object.assign(state, {
          principalId: fakeUuid(`principal:${String(state.name)}`),
          clientId: fakeUuid(`client:${String(state.name)}`),
          tenantId: this.tenantId,
        });
        break;
      case "azure-native:resources:ResourceGroup": {
        const name = String(inputs.resourceGroupName ?? args.name);
        id = `/subscriptions/${this.subscriptionId}/resourceGroups/${name}`;
        state.name = name;
        break;
      }
      // A StackReference is read, not created: its state must carry the other stack's `outputs`.
      case "pulumi:pulumi:StackReference": {
        const name = String(inputs.name ?? args.name);
        const outputs = this.stackOutputs?.[name];
        if (outputs === undefined)
          throw new Error(`MockCloud: no stack named ${name} (known: ${Object.keys(this.stackOutputs ?? {}).join(", ")})`);
        id = name;
        Object.assign(state, { name, outputs, secretOutputNames: [] });
        break;
      }
      default:
        if (placed) break;
        if (typeof inputs.name === "string") state.name = inputs.name;
        else if (args.type.startsWith("azure-native:")) state.name = args.name;
    }
    return { id: args.custom === false ? undefined : id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    this.events++;
    const inputs = args.inputs as Record<string, unknown>;
    this.invokes.push({ token: args.token, inputs });
    switch (args.token) {
      case "azure-native:authorization:getClientConfig":
        return {
          tenantId: this.tenantId,
          objectId: this.deployerObjectId,
          clientId: fakeUuid("deployer-client"),
          subscriptionId: this.subscriptionId,
        };
      case "azuread:index/getClientConfig:getClientConfig":
        return { tenantId: this.tenantId, objectId: this.deployerObjectId, clientId: fakeUuid("deployer-client") };
      case "azuread:index/getUser:getUser":
        // Entra compares UPNs without regard to case, and answers with its own spelling.
        return this.lookup(
          "User",
          (e) => e.name.toLowerCase() === String(inputs.userPrincipalName).toLowerCase(),
          `user with UPN ${String(inputs.userPrincipalName)}`,
        );
      case "azuread:index/getGroup:getGroup":
        return this.lookup("Group", (e) => e.name === inputs.displayName, `group with display name ${String(inputs.displayName)}`);
      case "azuread:index/getServicePrincipal:getServicePrincipal":
        return inputs.clientId !== undefined
          ? this.lookup(
              "ServicePrincipal",
              (e) => e.clientId === inputs.clientId,
              `service principal with client id ${String(inputs.clientId)}`,
            )
          : this.lookup(
              "ServicePrincipal",
              (e) => e.name === inputs.displayName,
              `service principal with display name ${String(inputs.displayName)}`,
            );
      case "azure-native:dbforpostgresql:getServer": {
        // ARM resource names and groups compare without regard to case.
        const same = (a: unknown, b: unknown) => String(a).toLowerCase() === String(b).toLowerCase();
        const found = this.servers.find(
          (s) => same(s.serverName, inputs.serverName) && same(s.resourceGroupName, inputs.resourceGroupName),
        );
        if (found) {
          const { resourceGroupName: _rg, serverName, ...properties } = found;
          return { name: serverName, ...properties };
        }
        // ARM's 404 as the engine relays a provider's failed invoke: a gRPC error whose details the SDK
        // rethrows ("invocation of <token> returned an error: ..."), around azcore's error text.
        throw grpcError(
          `invocation of ${args.token} returned an error: RESPONSE 404: 404 Not Found\nERROR CODE: ResourceNotFound\n` +
            `The Resource 'Microsoft.DBforPostgreSQL/flexibleServers/${String(inputs.serverName)}' under resource group '${String(inputs.resourceGroupName)}' was not found.`,
        );
      }
      default:
        throw new Error(`MockCloud: no answer for invoke ${args.token}`);
    }
  }

  private lookup(type: DirectoryEntry["type"], match: (e: DirectoryEntry) => boolean, what: string): Record<string, unknown> {
    const found = this.directory.filter((e) => e.type === type && match(e));
    // azuread fails when a display name matches none or several principals; so does this.
    if (found.length !== 1) throw new Error(`${found.length === 0 ? "no" : "more than one"} ${what} found in the directory`);
    const e = found[0];
    return { objectId: e.objectId, id: e.objectId, displayName: e.name, userPrincipalName: e.name, clientId: e.clientId };
  }
}

/** What a stack transformation saw of a resource, kept until the mocks answer its registration. */
interface Construction {
  resource: pulumi.Resource;
  record: RecordedResource;
  /** dependsOn and the resources behind input Outputs, as objects; URNs are filled in by `settle`. */
  waitsOn: Promise<pulumi.Resource[]>;
}

let current: MockCloud | undefined;

/** The resources a `dependsOn` names, through Outputs and promises, as the SDK reads them. */
async function resourcesIn(dependsOn: unknown): Promise<pulumi.Resource[]> {
  if (dependsOn === undefined || dependsOn === null) return [];
  if (Array.isArray(dependsOn)) return (await Promise.all(dependsOn.map(resourcesIn))).flat();
  if (dependsOn instanceof Promise) return resourcesIn(await dependsOn);
  if (pulumi.Output.isInstance(dependsOn)) return resourcesIn(await new Promise((resolve) => dependsOn.apply(resolve)));
  return pulumi.Resource.isInstance(dependsOn) ? [dependsOn] : [];
}

/**
 * Installs the mocks for a program evaluation and a root stack whose transformation records each
 * resource's parent, dependencies and options, which Pulumi's mock interface does not pass to
 * `newResource`. Both are documented SDK APIs (`setMocks`, `registerStackTransformation`); a stack
 * transformation needs the root stack to exist, and the SDK makes it asynchronously, so construct
 * the program's resources after `await cloud.ready`. A resource constructed before that is refused
 * by name instead of being recorded without its parent.
 */
export function installMockCloud(options: MockCloudOptions = {}): MockCloud {
  const cloud = new MockCloud(options);
  if (options.config) {
    pulumi.runtime.setAllConfig(
      Object.fromEntries(Object.entries(options.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
    );
  }
  void pulumi.runtime.setMocks(cloud, options.project ?? "entra-postgres", options.stack ?? "dev", options.preview ?? false);
  cloud.start();
  current = cloud;
  return cloud;
}

/** An error shaped as gRPC delivers it: the SDK reads `details`, not `message`. */
function grpcError(details: string): Error {
  return Object.assign(new Error(details), { details });
}

/** Resolves when every registration started so far has been answered, and fills in dependencies. */
export async function settle(): Promise<void> {
  await current?.settled();
}

/** The value of an Output, for tests and tools (mocks resolve everything). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}
