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

  constructor(options: MockCloudOptions = {}) {
    this.preview = options.preview ?? false;
    this.directory = options.directory ?? [];
    this.tenantId = options.tenantId ?? FAKE_TENANT;
    this.subscriptionId = options.subscriptionId ?? FAKE_SUBSCRIPTION;
    this.deployerObjectId = options.deployerObjectId ?? FAKE_DEPLOYER;
    this.stackOutputs = options.stackOutputs;
    this.servers = options.servers ?? [];
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
    const created = this.created(args);
    if (!this.preview) return created;
    // In a preview of a new stack, what Azure computes on creation (ids, host names, identities'
    // principal and client ids) is unknown to the program: the engine sends the unknown sentinel.
    const state = { ...created.state };
    for (const k of COMPUTED_ON_CREATE[args.type] ?? []) state[k] = UNKNOWN;
    return { id: created.id === undefined ? undefined : args.type.startsWith("azure-native:") ? UNKNOWN : created.id, state };
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

/**
 * Installs the mocks for a program evaluation and records dependencies, which Pulumi's mock
 * interface does not pass to `newResource`: we read them off each registration request.
 */
export function installMockCloud(options: MockCloudOptions = {}): MockCloud {
  const cloud = new MockCloud(options);
  if (options.config) {
    pulumi.runtime.setAllConfig(
      Object.fromEntries(Object.entries(options.config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
    );
  }
  void pulumi.runtime.setMocks(cloud, options.project ?? "entra-postgres", options.stack ?? "dev", options.preview ?? false);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const rpc = require("@pulumi/pulumi/runtime/rpc");
  const monitor = settings.getMonitor();
  const register = monitor.registerResource.bind(monitor);
  monitor.registerResource = (req: RegisterRequest, callback: unknown) => {
    const parent = req.getParent() || undefined;
    cloud.resources.push({
      type: req.getType(),
      name: req.getName(),
      urn: monitor.newUrn(parent, req.getType(), req.getName()),
      parent,
      dependencies: req.getDependenciesList(),
      custom: req.getCustom(),
      inputs: rpc.deserializeProperties(req.getObject()),
      provider: req.getProvider() || undefined,
      ...(req.getIgnorechangesList().length > 0 ? { ignoreChanges: req.getIgnorechangesList() } : {}),
      ...(req.getDeletebeforereplace() ? { deleteBeforeReplace: true } : {}),
    });
    return register(req, callback);
  };
  return cloud;
}

interface RegisterRequest {
  getType(): string;
  getName(): string;
  getParent(): string;
  getCustom(): boolean;
  getProvider(): string;
  getDependenciesList(): string[];
  getIgnorechangesList(): string[];
  getDeletebeforereplace(): boolean;
  getObject(): unknown;
}

/** An error shaped as gRPC delivers it: the SDK reads `details`, not `message`. */
function grpcError(details: string): Error {
  return Object.assign(new Error(details), { details });
}

/** Resolves when every registration started so far has been answered. */
export async function settle(): Promise<void> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const settings = require("@pulumi/pulumi/runtime/settings");
  await settings.waitForRPCs();
}

/** The value of an Output, for tests and tools (mocks resolve everything). */
export function valueOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve) => output.apply((v) => resolve(v)));
}
