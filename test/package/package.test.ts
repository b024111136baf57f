/**
 * zerocred as users install it. One `npm pack` per run (the build is the slow part), then:
 * 1. the npm library: a scratch project with the tarball in node_modules compiles a consumer
 *    program with tsc and runs it under Pulumi's mocks;
 * 2. the component package for other languages (provider/): the provider started in-process, its
 *    schema and one construct call (see provider.test section below);
 * 4. the `zerocred` command run from the scratch project.
 * See fixture.ts for how the scratch projects resolve their dependencies without a registry, and
 * compile.ts for the in-process tsc.
 */
import * as fs from "node:fs";
import { createRequire } from "node:module";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { settle, unwrap, useCloud } from "../harness";
import {
  SourceFileCache,
  compileProject,
  focusOn,
  shareWithAnalyzer,
  typescriptOf,
  type Compiled,
} from "./compile";
import { ROOT, packPackage, runNode, scratchProject, type PackedPackage } from "./fixture";

const PULUMI_SDKS = [
  "@pulumi/pulumi",
  "@pulumi/azure-native",
  "@pulumi/kubernetes",
  "@pulumi/random",
];
const CONSUMER = path.join(__dirname, "consumer");
let packed: PackedPackage;
let consumer: string;
let provider: string;
/** The scratch projects' `typescript` (one module: the links resolve to this repository's copy). */
let ts: ReturnType<typeof typescriptOf>;
/** The source files the programs of this file share (see compile.ts). */
let sourceFiles: SourceFileCache;
/** tsc over each scratch project (see the beforeAll below). */
let compiled: { consumer: Compiled; provider: Compiled };

/**
 * The consumer's tsc: Pulumi's template tsconfig (consumer/tsconfig.json, no skipLibCheck) with
 * tsc's JSDoc parsing, every diagnostic tsc reports about the project's own files and every file of
 * the installed zerocred package (its .d.ts included) — not the type-check of the third-party
 * SDKs' declaration bodies (@pulumi/*, @types/node, TypeScript's lib: 9 of a user's 15 s of tsc),
 * which are pinned versions zerocred does not ship. compile.ts's focusOn says exactly what a
 * user's full `tsc` reports beyond this.
 */
function compileConsumer(project: string): Compiled {
  return compileProject(ts, project, {
    cache: sourceFiles,
    typeCheck: focusOn([path.join(project, "node_modules", "zerocred")]),
    jsDocParsingMode: ts.JSDocParsingMode.ParseForTypeErrors,
    relativeTo: packed.dir,
  });
}

beforeAll(async () => {
  packed = await packPackage();
  consumer = scratchProject(packed, "consumer", {
    dependencies: {
      zerocred: `file:${path.basename(packed.tarball)}`,
      "@pulumi/pulumi": "3.248.0",
      "@pulumi/azure-native": "3.28.0",
    },
    // The package's own runtime dependencies, as `npm install` would add them (the simulation's
    // too: the `zerocred` command runs it), plus tsc.
    links: [
      ...PULUMI_SDKS,
      "@pulumi/policy",
      "uuid",
      "yaml",
      "zod",
      "jose",
      "node-forge",
      "tsx",
      "typescript",
      "@types/node",
    ],
    bin: { zerocred: "dist/sim/zerocred.cjs" },
    files: {
      "index.ts": fs.readFileSync(path.join(CONSUMER, "index.ts"), "utf8"),
      "Pulumi.dev.yaml": "config:\n  consumer:prefix: dev1\n",
      "tsconfig.json": fs.readFileSync(path.join(CONSUMER, "tsconfig.json"), "utf8"),
      "mocks.cjs": fs.readFileSync(path.join(CONSUMER, "mocks.cjs"), "utf8"),
    },
  });
  // The component package as `pulumi package add` gets it: provider/ with its dependencies installed.
  const sources = path.join(ROOT, "provider");
  provider = scratchProject(packed, "provider", {
    links: [...PULUMI_SDKS, "uuid", "yaml", "typescript", "@types/node"],
    files: Object.fromEntries(
      fs.readdirSync(sources).map((f) => [f, fs.readFileSync(path.join(sources, f), "utf8")]),
    ),
  });
  // Both projects compiled in this process, each with its own tsconfig.json, node_modules,
  // diagnostics and output (bin/), as `tsc -p tsconfig.json` in that directory. The provider's
  // program reads its files as Pulumi's analyzer does (all JSDoc), so the analyzer's program (same
  // tsconfig) reuses them in the provider's beforeAll instead of parsing the SDKs again.
  ts = typescriptOf(consumer);
  sourceFiles = new SourceFileCache(ts);
  compiled = {
    consumer: compileConsumer(consumer),
    provider: compileProject(ts, provider, {
      cache: sourceFiles,
      jsDocParsingMode: ts.JSDocParsingMode.ParseAll,
      relativeTo: packed.dir,
    }),
  };
}, 240_000);

afterAll(() => {
  sourceFiles?.clear();
  if (packed !== undefined) {
    fs.rmSync(packed.dir, { recursive: true, force: true });
  }
  // The programs above leave ~1 GB of garbage (measured: 988 MB of heap before a full collection,
  // 53 MB after). The fork runs other files next; a full collection now (vitest.config.ts exposes
  // gc to the forks) spares them V8's collections over a heap that size.
  (globalThis as { gc?: () => void }).gc?.();
});

describe("npm pack", () => {
  it("ships the built library, its declarations and source maps, and no tests or repository tooling", () => {
    expect(packed.files).toEqual(
      expect.arrayContaining([
        "package.json",
        "README.md",
        "CHANGELOG.md",
        "dist/components/index.js",
        "dist/components/index.d.ts",
        "dist/components/index.js.map",
        "dist/components/keyVault.d.ts.map",
        "dist/components/verification/pod-verifier.bundle.js",
        "dist/components/verification/vm-verifier.sh",
        "dist/sim/zerocred.cjs",
        "dist/sim/cli.js",
      ]),
    );
    const leaked = packed.files.filter(
      (f) => !f.startsWith("dist/") || f.endsWith(".ts") !== f.endsWith(".d.ts"),
    );
    expect(leaked).toEqual(
      ["CHANGELOG.md", "LICENSE", "README.md", "package.json"].filter((f) =>
        packed.files.includes(f),
      ),
    );
    expect(packed.files.some((f) => f.startsWith("dist/policy-pack/"))).toBe(false);
  });

  it("declares the library entry points, and every export target is in the tarball", () => {
    const pkg = JSON.parse(
      fs.readFileSync(path.join(consumer, "node_modules", "zerocred", "package.json"), "utf8"),
    ) as {
      main: string;
      types: string;
      exports: Record<string, string | { types: string; default: string }>;
      bin: Record<string, string>;
      dependencies: Record<string, string>;
    };
    expect(pkg.main).toBe("dist/components/index.js");
    expect(pkg.types).toBe("dist/components/index.d.ts");
    expect(pkg.bin).toEqual({ zerocred: "dist/sim/zerocred.cjs" });
    // esbuild runs at build time only: the pod verifier ships prebuilt.
    expect(pkg.dependencies).not.toHaveProperty("esbuild");
    const intentExists = fs.existsSync(path.join(ROOT, "components", "intent.ts"));
    for (const [subpath, target] of Object.entries(pkg.exports)) {
      if (subpath.includes("*") || (subpath === "./intent" && !intentExists)) {
        continue;
      }
      const files = typeof target === "string" ? [target] : [target.types, target.default];
      for (const file of files) {
        expect(packed.files, `${subpath} → ${file}`).toContain(file.replace(/^\.\//, ""));
      }
    }
  });
});

describe("the npm library in a scratch project", () => {
  it("registers nothing when imported (main is the library, not the stack program)", async () => {
    const script = `
      const pulumi = require("@pulumi/pulumi");
      let count = 0;
      pulumi.runtime.setMocks({ newResource(a) { count++; return { id: a.name, state: a.inputs }; }, call() { count++; return {}; } }, "p", "s", false);
      for (const m of ["zerocred", "zerocred/roles", "zerocred/naming", "zerocred/verification/results",
                       "zerocred/verification/vm", "zerocred/verification/pod", "zerocred/components/keyVault"]) require(m);
      setTimeout(() => process.stdout.write(JSON.stringify({ count, exports: Object.keys(require("zerocred")).length })), 50);
    `;
    const run = await runNode(consumer, ["-e", script]);
    expect(run.stderr).toBe("");
    const result = JSON.parse(run.stdout) as { count: number; exports: number };
    expect(result.count).toBe(0);
    expect(result.exports).toBeGreaterThan(20);
  }, 180_000);

  it("uses the prebuilt pod verifier (no esbuild installed), identical to the repository's bundle", async () => {
    const { podVerifierBundleSha256 } = await import("../../components/verification/bundle");
    const run = await runNode(consumer, [
      "-e",
      `process.stdout.write(require("zerocred/components/verification/bundle").podVerifierBundleSha256())`,
    ]);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^[0-9a-f]{64}$/);
    expect(run.stdout).toBe(podVerifierBundleSha256());
  });

  it("compiles a consumer program with tsc and runs it under mocks: the components and their children", async () => {
    // No diagnostic from either project (a failure names its file: consumer/… or provider/…).
    expect(compiled.consumer.output + compiled.provider.output).toBe("");
    expect(compiled.consumer.exitStatus).toBe(0);
    expect(compiled.provider.exitStatus).toBe(0);
    // The check covered the program and the installed library; it left out only third-party
    // declaration files (see compileConsumer).
    const library = fs.realpathSync(path.join(consumer, "node_modules", "zerocred"));
    expect(compiled.consumer.checkedFiles).toEqual(
      expect.arrayContaining([
        path.join(consumer, "index.ts"),
        path.join(library, "dist", "components", "index.d.ts"),
        path.join(library, "dist", "components", "keyVault.d.ts"),
      ]),
    );
    expect(
      compiled.consumer.uncheckedFiles.filter(
        (f) => f.startsWith(`${library}${path.sep}`) || !f.endsWith(".d.ts"),
      ),
    ).toEqual([]);
    expect(fs.existsSync(path.join(consumer, "bin", "index.js"))).toBe(true);
    const run = await runNode(consumer, ["mocks.cjs", path.join("bin", "index.js")]);
    expect(run.stderr).toBe("");
    const { registrations, outputs } = JSON.parse(run.stdout) as {
      registrations: { type: string; name: string; parent?: string }[];
      outputs: Record<string, unknown>;
    };
    const childrenOf = (parent: string) =>
      registrations
        .filter((r) => r.parent === parent)
        .map((r) => `${r.type} ${r.name}`)
        .sort();
    expect(childrenOf("orders-vault")).toEqual([
      "azure-native:keyvault:Secret orders-vault-canary",
      "azure-native:keyvault:Vault orders-vault-vault",
      "random:index/randomPassword:RandomPassword orders-vault-canary-value",
    ]);
    expect(childrenOf("reports-vault")).toHaveLength(3);
    expect(childrenOf("orders")).toEqual([
      "azure-native:managedidentity:FederatedIdentityCredential orders-fic-shop-orders",
      "azure-native:managedidentity:UserAssignedIdentity orders-identity",
    ]);
    expect(childrenOf("orders-reads-canary")).toEqual([
      "azure-native:authorization:RoleAssignment orders-reads-canary-assignment",
    ]);
    expect(outputs).toMatchObject({
      ordersVaultName: "app-kv-242fb2fde431",
      roleDefinitionGuid: "4633458b-17de-408a-b874-0445c86b69e6",
    });
  }, 180_000);

  it("fails the consumer's type check on a broken declaration in the installed package", () => {
    // The same project with two defects in zerocred's .d.ts that only a type check finds: an
    // import of a module users do not have (as a declaration importing a devDependency would),
    // and a type that does not fit the Pulumi SDK's. Known diagnostics, file and position: what a
    // full `tsc -p tsconfig.json --pretty false` prints in that directory (typescript 5.9.3).
    const broken = path.join(packed.dir, "consumer-broken");
    fs.cpSync(consumer, broken, { recursive: true, verbatimSymlinks: true });
    const components = path.join(broken, "node_modules", "zerocred", "dist", "components");
    const index = path.join(components, "index.d.ts");
    fs.writeFileSync(
      index,
      `import type { Missing } from "zerocred-missing-module";\nexport type Broken = Missing;\n${fs.readFileSync(index, "utf8")}`,
    );
    const keyVault = path.join(components, "keyVault.d.ts");
    fs.writeFileSync(
      keyVault,
      `export interface BrokenOptions extends pulumi.CustomResourceOptions {\n    parent: string;\n}\n${fs.readFileSync(keyVault, "utf8")}`,
    );
    const result = compileConsumer(broken);
    expect(result.output).toBe(
      [
        "consumer-broken/node_modules/zerocred/dist/components/index.d.ts(1,30): error TS2307: " +
          "Cannot find module 'zerocred-missing-module' or its corresponding type declarations.\n",
        "consumer-broken/node_modules/zerocred/dist/components/keyVault.d.ts(1,18): error TS2430: " +
          "Interface 'BrokenOptions' incorrectly extends interface 'CustomResourceOptions'.\n" +
          "  Types of property 'parent' are incompatible.\n" +
          "    Type 'string' is not assignable to type 'Resource'.\n",
      ].join(""),
    );
    // tsc's exit status for errors with output written.
    expect(result.exitStatus).toBe(2);
  });
});

interface SchemaProperty {
  readonly type?: string;
  readonly $ref?: string;
  readonly items?: SchemaProperty;
  readonly description?: string;
  readonly default?: unknown;
  readonly plain?: boolean;
}
interface SchemaResource {
  readonly isComponent: boolean;
  readonly description?: string;
  readonly inputProperties: Record<string, SchemaProperty>;
  readonly requiredInputs?: string[];
  readonly properties: Record<string, SchemaProperty>;
}
interface Schema {
  readonly name: string;
  readonly version: string;
  readonly resources: Record<string, SchemaResource>;
  readonly types: Record<
    string,
    {
      type: string;
      enum?: { name: string; value: string }[];
      properties?: Record<string, SchemaProperty>;
    }
  >;
}
interface ProviderModule {
  createProvider(dirname: string): {
    getSchema(): Promise<string>;
    construct(
      name: string,
      type: string,
      inputs: Record<string, unknown>,
      options: Record<string, unknown>,
    ): Promise<{ urn: unknown; state: Record<string, unknown> }>;
  };
}

describe("the component package for other languages (provider/)", () => {
  let schema: Schema;
  // One provider: its first getSchema runs the analyzer (the TypeScript compiler, seconds) and
  // construct reuses the component definitions it found.
  let instance: ReturnType<ProviderModule["createProvider"]>;

  beforeAll(async () => {
    // The wrappers type-check against the packed library's declarations, as a user's tsc would
    // (compiled with the consumer in the file's beforeAll); bin/ holds what tsc emitted.
    expect(compiled.provider.output).toBe("");
    expect(compiled.provider.exitStatus).toBe(0);
    // The analyzer's program reads the files the provider's compile parsed (compile.ts).
    const hits = sourceFiles.hits;
    const shared = shareWithAnalyzer(provider, sourceFiles);
    try {
      const providerModule = createRequire(path.join(provider, "index.js"))(
        "./bin/components.js",
      ) as ProviderModule;
      instance = providerModule.createProvider(provider);
      schema = JSON.parse(await instance.getSchema()) as Schema;
    } finally {
      shared.undo();
    }
    // One program, of the provider's files, every one of them reused (none parsed again).
    expect(shared.programFiles).toEqual([compiled.provider.checkedFiles.length]);
    expect(sourceFiles.hits - hits).toBe(compiled.provider.checkedFiles.length);
  }, 240_000);

  it("is a source-based plugin of the same version as the library it wraps", () => {
    const manifest = JSON.parse(
      fs.readFileSync(path.join(ROOT, "provider", "package.json"), "utf8"),
    ) as {
      main: string;
      dependencies: Record<string, string>;
    };
    const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
      version: string;
      dependencies: Record<string, string>;
    };
    expect(fs.readFileSync(path.join(ROOT, "provider", "PulumiPlugin.yaml"), "utf8")).toMatch(
      /^runtime: nodejs$/m,
    );
    expect(manifest.main).toBe("index.ts");
    expect(manifest.dependencies.zerocred).toBe(root.version);
    expect(manifest.dependencies["@pulumi/pulumi"]).toBe(root.dependencies["@pulumi/pulumi"]);
    expect(manifest.dependencies["@pulumi/azure-native"]).toBe(
      root.dependencies["@pulumi/azure-native"],
    );
    expect(schema.name).toBe("zerocred");
    expect(schema.version).toBe(root.version);
  });

  it("describes each component with typed inputs, required ones, defaults and outputs", () => {
    expect(Object.keys(schema.resources).sort()).toEqual([
      "zerocred:index:AksCluster",
      "zerocred:index:KeyVault",
      "zerocred:index:LinuxVirtualMachine",
      "zerocred:index:Network",
      "zerocred:index:PodVerification",
      "zerocred:index:RoleAssignment",
      "zerocred:index:UserAssignedIdentity",
      "zerocred:index:VmVerification",
      "zerocred:index:WorkloadIdentity",
    ]);
    for (const [token, resource] of Object.entries(schema.resources)) {
      expect(resource.isComponent, token).toBe(true);
      for (const [name, input] of Object.entries(resource.inputProperties)) {
        const required = resource.requiredInputs?.includes(name) ?? false;
        expect(input.description, `${token}.${name}`).toMatch(
          required ? /^Required\. / : /^Optional\. /,
        );
      }
      for (const [name, output] of Object.entries(resource.properties)) {
        expect(output.description, `${token} output ${name}`).toBeTruthy();
      }
    }
    const vault = schema.resources["zerocred:index:KeyVault"]!;
    expect(vault.requiredInputs?.sort()).toEqual(["resourceGroupName", "vaultName"]);
    expect(vault.inputProperties.vaultName?.type).toBe("string");
    expect(vault.inputProperties.enablePurgeProtection).toMatchObject({
      type: "boolean",
      default: true,
    });
    expect(vault.inputProperties.softDeleteRetentionInDays).toMatchObject({
      type: "number",
      default: 90,
    });
    expect(vault.inputProperties.bypassAzureServices?.default).toBe(true);
    expect(vault.inputProperties.skuName).toMatchObject({
      $ref: "#/types/zerocred:index:KeyVaultSku",
      default: "standard",
    });
    expect(schema.types["zerocred:index:KeyVaultSku"]?.enum?.map((m) => m.value)).toEqual([
      "standard",
      "premium",
    ]);
    expect(vault.inputProperties.networkDefaultAction?.default).toBe("Deny");
    expect(vault.inputProperties.allowedSubnetIds).toMatchObject({
      type: "array",
      items: { type: "string" },
    });
    // A default that is not a literal ("the provider's azure-native:location") stays in the description.
    expect(vault.inputProperties.location?.default).toBeUndefined();
    expect(Object.keys(vault.properties).sort()).toEqual([
      "canaryFingerprint",
      "canarySecretId",
      "canarySecretName",
      "vaultId",
      "vaultName",
      "vaultUri",
    ]);

    const identity = schema.resources["zerocred:index:UserAssignedIdentity"]!;
    expect(identity.inputProperties.federatedCredentials).toMatchObject({
      type: "array",
      items: { $ref: "#/types/zerocred:index:FederatedCredential" },
    });
    expect(
      Object.keys(schema.types["zerocred:index:FederatedCredential"]?.properties ?? {}).sort(),
    ).toEqual(["audiences", "issuer", "name", "subject"]);
    expect(identity.properties.principalId?.type).toBe("string");

    const grant = schema.resources["zerocred:index:RoleAssignment"]!;
    expect(grant.requiredInputs?.sort()).toEqual(["principalId", "role", "scope"]);
    expect(grant.inputProperties.principalType).toMatchObject({
      $ref: "#/types/zerocred:index:PrincipalType",
      default: "ServicePrincipal",
    });
    const workload = schema.resources["zerocred:index:WorkloadIdentity"]!;
    expect(workload.inputProperties.createNamespace?.default).toBe(true);
    expect(workload.inputProperties.tokenExpirationSeconds?.default).toBe(3600);
    expect(workload.inputProperties.labels).toMatchObject({
      type: "object",
      additionalProperties: { type: "string" },
    });
  });

  it("describes the network, VM, AKS cluster and both verifications with ids and names only", () => {
    const enumValues = (name: string) =>
      schema.types[`zerocred:index:${name}`]?.enum?.map((m) => m.value);
    const outputs = (token: string) =>
      Object.keys(schema.resources[`zerocred:index:${token}`]!.properties).sort();
    const inputs = (token: string) => schema.resources[`zerocred:index:${token}`]!;

    const network = inputs("Network");
    expect(network.requiredInputs?.sort()).toEqual(["addressSpace", "resourceGroupName"]);
    expect(network.inputProperties.addressSpace?.type).toBe("string");
    expect(outputs("Network")).toEqual([
      "addressSpace",
      "aksSubnetId",
      "aksSubnetPrefix",
      "vmSubnetId",
      "vmSubnetPrefix",
      "vnetId",
      "vnetName",
    ]);

    const vm = inputs("LinuxVirtualMachine");
    expect(vm.requiredInputs?.sort()).toEqual([
      "adminUsername",
      "resourceGroupName",
      "sshPublicKey",
      "subnetId",
    ]);
    expect(vm.inputProperties.size?.default).toBe("Standard_B2s");
    expect(vm.inputProperties.trustedLaunch).toMatchObject({ type: "boolean", default: true });
    expect(vm.inputProperties.publicIp).toMatchObject({ type: "boolean", default: false });
    expect(vm.inputProperties.osDiskType).toMatchObject({
      $ref: "#/types/zerocred:index:OsDiskType",
      default: "StandardSSD_LRS",
    });
    expect(enumValues("OsDiskType")?.sort()).toEqual(["Premium_LRS", "StandardSSD_LRS"]);
    expect(vm.inputProperties.imageReference?.$ref).toBe("#/types/zerocred:index:ImageReference");
    expect(vm.inputProperties.userAssignedIdentityIds).toMatchObject({
      type: "array",
      items: { type: "string" },
    });
    expect(outputs("LinuxVirtualMachine")).toEqual([
      "location",
      "principalId",
      "privateIpAddress",
      "resourceGroupName",
      "userAssignedIdentityIds",
      "vmId",
      "vmName",
    ]);

    const aks = inputs("AksCluster");
    expect(aks.requiredInputs?.sort()).toEqual([
      "deployerObjectId",
      "deployerPrincipalType",
      "resourceGroupName",
      "subnetId",
      "tenantId",
    ]);
    expect(aks.inputProperties.deployerPrincipalType?.$ref).toBe(
      "#/types/zerocred:index:DeployerPrincipalType",
    );
    expect(enumValues("DeployerPrincipalType")?.sort()).toEqual(["ServicePrincipal", "User"]);
    expect(aks.inputProperties.networkPolicy?.default).toBe("cilium");
    expect(enumValues("AksNetworkPolicy")?.sort()).toEqual(["azure", "cilium"]);
    expect(aks.inputProperties.kubeloginMode?.default).toBe("azurecli");
    expect(enumValues("KubeloginMode")?.sort()).toEqual([
      "azurecli",
      "msi",
      "spn",
      "workloadidentity",
    ]);
    expect(aks.inputProperties.osSku?.default).toBe("AzureLinux");
    expect(aks.inputProperties.outboundType?.default).toBe("loadBalancer");
    expect(aks.inputProperties.disableRunCommand?.default).toBe(true);
    expect(aks.inputProperties.nodeCount?.default).toBe(1);
    expect(aks.inputProperties.podCidr?.default).toBe("192.168.0.0/16");
    expect(aks.inputProperties.dnsServiceIp?.default).toBe("172.16.0.10");
    // Not a literal default: AKS's own (the property is not sent), and the region's version.
    expect(aks.inputProperties.skuTier?.default).toBeUndefined();
    expect(aks.inputProperties.kubernetesVersion?.default).toBeUndefined();
    expect(aks.inputProperties.nodePools).toMatchObject({
      type: "array",
      items: { $ref: "#/types/zerocred:index:AksNodePool" },
    });
    expect(schema.types["zerocred:index:AksNodePool"]?.properties?.mode?.$ref).toBe(
      "#/types/zerocred:index:AksNodePoolMode",
    );
    // The Kubernetes provider object is not an output (see provider/components.ts): the kubeconfig is.
    expect(outputs("AksCluster")).toEqual([
      "clusterId",
      "clusterName",
      "controlPlanePrincipalId",
      "kubeconfig",
      "kubeletPrincipalId",
      "oidcIssuerUrl",
    ]);

    const check = schema.types["zerocred:index:VerificationCheck"]!;
    expect(Object.keys(check.properties ?? {}).sort()).toEqual([
      "expected",
      "expectedSha256",
      "secretName",
      "vaultUrl",
    ]);
    expect(check.properties?.expected?.$ref).toBe("#/types/zerocred:index:Expectation");
    expect(enumValues("Expectation")).toEqual(["allow", "deny"]);

    const vmCheck = inputs("VmVerification");
    expect(vmCheck.requiredInputs?.sort()).toEqual([
      "location",
      "principals",
      "resourceGroupName",
      "vmName",
    ]);
    expect(vmCheck.inputProperties.principals).toMatchObject({
      type: "array",
      items: { $ref: "#/types/zerocred:index:VmVerificationPrincipal" },
    });
    expect(
      Object.keys(schema.types["zerocred:index:VmVerificationPrincipal"]?.properties ?? {}).sort(),
    ).toEqual(["checks", "clientId", "name"]);
    expect(vmCheck.inputProperties.timeoutSeconds?.default).toBe(600);
    expect(outputs("VmVerification")).toEqual([
      "contentSha256",
      "executionState",
      "ok",
      "results",
      "runCommandName",
    ]);

    const podCheck = inputs("PodVerification");
    expect(podCheck.requiredInputs?.sort()).toEqual([
      "checks",
      "namespace",
      "principal",
      "serviceAccountName",
    ]);
    expect(podCheck.inputProperties.backoffLimit?.default).toBe(2);
    expect(podCheck.inputProperties.image?.default).toBeUndefined();
    expect(outputs("PodVerification")).toEqual(["configMapName", "contentSha256", "jobName"]);
    // No resource objects anywhere in the new components' inputs: ids and names only.
    for (const token of [
      "Network",
      "LinuxVirtualMachine",
      "AksCluster",
      "VmVerification",
      "PodVerification",
    ]) {
      for (const [name, input] of Object.entries(inputs(token).inputProperties)) {
        expect(input.$ref ?? "", `${token}.${name}`).not.toMatch(/^\/|#\/resources\//);
      }
    }
  });

  it("constructs a KeyVault through the provider's construct call, under mocks", async () => {
    const cloud = await useCloud({ project: "consumer", stack: "prod" });
    const result = await instance.construct(
      "shared",
      "zerocred:index:KeyVault",
      { resourceGroupName: "app-rg", vaultName: "app-kv-242fb2fde431", location: "westeurope" },
      {},
    );
    await settle();
    const urn = await unwrap(result.urn as never);
    expect(urn).toBe("urn:pulumi:prod::consumer::zerocred:index:KeyVault::shared");
    const vaultId = await unwrap(result.state.vaultId as never);
    expect(vaultId).toMatch(
      /^\/subscriptions\/[0-9a-f-]{36}\/resourceGroups\/app-rg\/providers\/Microsoft\.KeyVault\/vaults\/app-kv-242fb2fde431$/,
    );
    const children = (parent: string) =>
      cloud.resources
        .filter((r) => r.parent === parent)
        .map((r) => `${r.type} ${r.name}`)
        .sort();
    expect(children(urn as string)).toEqual(["zerocred:keyvault:KeyVault shared"]);
    const inner = cloud.resources.find((r) => r.type === "zerocred:keyvault:KeyVault")!;
    expect(children(inner.urn)).toEqual([
      "azure-native:keyvault:Secret shared-canary",
      "azure-native:keyvault:Vault shared-vault",
      "random:index/randomPassword:RandomPassword shared-canary-value",
    ]);
    const vault = cloud.resources.find((r) => r.type === "azure-native:keyvault:Vault")!;
    expect(vault.inputs).toMatchObject({
      properties: { enableRbacAuthorization: true, enablePurgeProtection: true },
    });
  }, 180_000);
  const GRANT_URN =
    "urn:pulumi:prod::consumer::zerocred:index:RoleAssignment$zerocred:authorization:RoleAssignment$azure-native:authorization:RoleAssignment::vm-reads-canary-assignment";

  it("constructs a Network and a VmVerification from ids, names and plain checks", async () => {
    const cloud = await useCloud({ project: "consumer", stack: "prod" });
    const net = await instance.construct(
      "core",
      "zerocred:index:Network",
      { resourceGroupName: "app-rg", addressSpace: "10.20.0.0/16", location: "westeurope" },
      {},
    );
    const verify = await instance.construct(
      "proof",
      "zerocred:index:VmVerification",
      {
        resourceGroupName: "app-rg",
        vmName: "app-vm",
        location: "westeurope",
        principals: [
          {
            name: "vm",
            checks: [
              {
                vaultUrl: "https://app-kv-242fb2fde431.vault.azure.net/",
                secretName: "canary",
                expectedSha256: "a".repeat(64),
                expected: "allow",
              },
              {
                vaultUrl: "https://other-kv.vault.azure.net/",
                secretName: "canary",
                expectedSha256: "b".repeat(64),
                expected: "deny",
              },
            ],
          },
        ],
      },
      // What the provider host passes for a program's dependsOn (provider/server.js construct).
      { dependsOn: [new pulumi.DependencyResource(GRANT_URN)] },
    );
    await settle();
    // Known values: the /24 at the start and the /20 sixteen /24s in (components/network.ts).
    expect(await unwrap(net.state.vmSubnetPrefix as never)).toBe("10.20.0.0/24");
    expect(await unwrap(net.state.aksSubnetPrefix as never)).toBe("10.20.16.0/20");
    const netUrn = (await unwrap(net.urn as never)) as string;
    expect(netUrn).toBe("urn:pulumi:prod::consumer::zerocred:index:Network::core");
    const verifyUrn = (await unwrap(verify.urn as never)) as string;
    const childTypes = (parent: string) =>
      cloud.resources.filter((r) => r.parent === parent).map((r) => `${r.type} ${r.name}`);
    expect(childTypes(netUrn)).toEqual(["zerocred:network:Network core"]);
    expect(childTypes(verifyUrn)).toEqual(["zerocred:verification:VmVerification proof"]);
    const inner = cloud.resources.find((r) => r.type === "zerocred:verification:VmVerification")!;
    const runCommand = cloud.resources.find((r) => r.parent === inner.urn)!;
    expect(runCommand.type).toBe("azure-native:compute:VirtualMachineRunCommandByVirtualMachine");
    expect(runCommand.inputs).toMatchObject({ resourceGroupName: "app-rg", vmName: "app-vm" });
    // The run command waits for what the program's dependsOn named (a role assignment).
    expect(runCommand.dependencies).toContain(GRANT_URN);
    // Both checks reached the script, the second one against the other vault.
    expect(JSON.stringify(runCommand.inputs)).toContain("other-kv.vault.azure.net");
  }, 180_000);
  it("constructs an AksCluster and a PodVerification from ids and names", async () => {
    const cloud = await useCloud({ project: "consumer", stack: "prod" });
    const aks = await instance.construct(
      "aks",
      "zerocred:index:AksCluster",
      {
        resourceGroupName: "app-rg",
        location: "westeurope",
        subnetId:
          "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/app-rg/providers/Microsoft.Network/virtualNetworks/core/subnets/aks",
        tenantId: "11111111-1111-1111-1111-111111111111",
        deployerObjectId: "22222222-2222-2222-2222-222222222222",
        deployerPrincipalType: "ServicePrincipal",
        nodePools: [{ name: "apps", count: 2 }],
      },
      {},
    );
    const pod = await instance.construct(
      "orders-proof",
      "zerocred:index:PodVerification",
      {
        namespace: "shop",
        serviceAccountName: "orders-sa",
        principal: "orders",
        checks: [
          {
            vaultUrl: "https://app-kv-242fb2fde431.vault.azure.net/",
            secretName: "canary",
            expectedSha256: "c".repeat(64),
            expected: "allow",
          },
        ],
      },
      {},
    );
    await settle();
    const aksUrn = (await unwrap(aks.urn as never)) as string;
    const podUrn = (await unwrap(pod.urn as never)) as string;
    const children = (parent: string) =>
      cloud.resources.filter((r) => r.parent === parent).map((r) => `${r.type} ${r.name}`);
    expect(children(aksUrn)).toEqual(["zerocred:containerservice:AksCluster aks"]);
    expect(children(podUrn)).toEqual(["zerocred:verification:PodVerification orders-proof"]);
    const inner = cloud.resources.find((r) => r.type === "zerocred:containerservice:AksCluster")!;
    expect(children(inner.urn)).toEqual(
      expect.arrayContaining([
        "azure-native:containerservice:ManagedCluster aks-cluster",
        "azure-native:containerservice:AgentPool aks-pool-apps",
      ]),
    );
    // The Job runs as the named service account (a workload whose name differs from it).
    const job = cloud.resources.find((r) => r.type === "kubernetes:batch/v1:Job")!;
    expect(JSON.stringify(job.inputs)).toContain('"serviceAccountName":"orders-sa"');
    expect(job.inputs).toMatchObject({ metadata: { namespace: "shop" } });
  }, 180_000);
});

describe("the zerocred command in the scratch project", () => {
  it("simulates the project's own program with its node_modules and stack config", async () => {
    const run = await runNode(consumer, [
      path.join("node_modules", ".bin", "zerocred"),
      "simulate",
      "--program",
      "./index.ts",
      "--config",
      "./Pulumi.dev.yaml",
      "--no-verify",
      // A --program run reports mandatory violations without failing unless asked (sim/simulate.ts).
      "--enforce-policy",
      "--json",
    ]);
    expect(run.stderr).toBe("");
    const report = JSON.parse(run.stdout) as {
      exitCode: number;
      policy: { policy: string; level: string; resource?: string }[];
    };
    // The config file's prefix reached the program: the vault is named from it.
    expect(run.stdout).toContain("dev1-kv-242fb2fde431");
    // The policy pack ran on the user's resources: this program's issuer belongs to no cluster in it.
    expect(report.policy).toContainEqual(
      expect.objectContaining({
        policy: "federated-credential-matches-cluster-issuer",
        level: "mandatory",
        resource: expect.stringMatching(/::orders-fic-shop-orders$/),
      }),
    );
    expect(report.exitCode).toBe(1);
    expect(run.code).toBe(1);
  }, 180_000);

  it("prints its version and rejects an unknown command with exit 2", async () => {
    const bin = path.join("node_modules", ".bin", "zerocred");
    const version = await runNode(consumer, [bin, "--version"]);
    expect(version.stdout.trim()).toBe(
      (JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as { version: string })
        .version,
    );
    const unknown = await runNode(consumer, [bin, "simulte"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^Unknown command "simulte"\./);
    const bad = await runNode(consumer, [bin, "simulate", "--stak", "dev"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^Unknown option "--stak"/);
  }, 180_000);
});
