/**
 * zerocred as users install it. One `npm pack` per run (the build is the slow part), then:
 * 1. the npm library: a scratch project with the tarball in node_modules compiles a consumer
 *    program with tsc and runs it under Pulumi's mocks;
 * 2. the component package for other languages (provider/): the provider started in-process, its
 *    schema and one construct call (see provider.test section below);
 * 4. the `zerocred` command run from the scratch project.
 * See fixture.ts for how the scratch projects resolve their dependencies without a registry.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

beforeAll(async () => {
  packed = await packPackage();
  consumer = scratchProject(packed, "consumer", {
    dependencies: {
      zerocred: `file:${path.basename(packed.tarball)}`,
      "@pulumi/pulumi": "3.248.0",
      "@pulumi/azure-native": "3.28.0",
    },
    // The package's own runtime dependencies, as `npm install` would add them, plus tsc.
    links: [...PULUMI_SDKS, "uuid", "yaml", "typescript", "@types/node"],
    files: {
      "index.ts": fs.readFileSync(path.join(CONSUMER, "index.ts"), "utf8"),
      "tsconfig.json": fs.readFileSync(path.join(CONSUMER, "tsconfig.json"), "utf8"),
      "mocks.cjs": fs.readFileSync(path.join(CONSUMER, "mocks.cjs"), "utf8"),
    },
  });
}, 240_000);

afterAll(() => {
  if (packed !== undefined) {
    fs.rmSync(packed.dir, { recursive: true, force: true });
  }
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
  });

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
    const tsc = await runNode(consumer, [
      path.join("node_modules", "typescript", "bin", "tsc"),
      "-p",
      "tsconfig.json",
    ]);
    expect(tsc.stdout + tsc.stderr).toBe("");
    expect(tsc.code).toBe(0);
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
  });
});
