/**
 * The publishable CrossGuard pack: policies/ bundled into one directory that runs with only its
 * declared dependencies (`@pulumi/policy`, `@pulumi/pulumi`). `pulumi policy publish` packs the
 * directory it runs in, so the pack cannot import ../components at run time: esbuild inlines the
 * rules, their helpers and the shared component modules (naming, roles) into index.js.
 *
 *   npm run build                       # writes dist/policy-pack/ (with the rest of dist/)
 *   cd dist/policy-pack && npm install && pulumi policy publish <org>
 *
 * policies/ itself stays the source pack for in-repository use (`--policy-pack policies`).
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { buildSync } from "esbuild";

const ROOT = path.resolve(__dirname, "..");
const SOURCE = path.join(ROOT, "policies");

/** The pack's only run-time dependencies: resolved by the engine's Node.js host from its node_modules. */
export const POLICY_PACK_EXTERNALS = ["@pulumi/policy", "@pulumi/pulumi"] as const;

/** Writes the bundled pack into outDir (created or replaced). Returns the files written. */
export function buildPolicyPack(outDir: string): string[] {
  fs.rmSync(outDir, { recursive: true, force: true });
  fs.mkdirSync(outDir, { recursive: true });
  const result = buildSync({
    entryPoints: [path.join(SOURCE, "index.ts")],
    outfile: path.join(outDir, "index.js"),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "cjs",
    external: [...POLICY_PACK_EXTERNALS],
    sourcemap: false,
    legalComments: "inline",
    logLevel: "warning",
    banner: { js: "// zerocred CrossGuard policy pack (bundled by scripts/policy-pack.ts)" },
  });
  if (result.errors.length > 0) {
    throw new Error(
      `bundling policies/index.ts failed: ${result.errors.map((e) => e.text).join("; ")}`,
    );
  }
  const root = JSON.parse(fs.readFileSync(path.join(ROOT, "package.json"), "utf8")) as {
    version: string;
    license: string;
    dependencies: Record<string, string>;
  };
  const source = JSON.parse(fs.readFileSync(path.join(SOURCE, "package.json"), "utf8")) as {
    name: string;
  };
  const manifest = {
    name: source.name,
    version: root.version,
    description:
      "zerocred CrossGuard policy pack: Key Vault, RBAC, federated credentials, AKS, VM and Kubernetes rules.",
    license: root.license,
    main: "index.js",
    dependencies: Object.fromEntries(
      POLICY_PACK_EXTERNALS.map((name) => {
        const range = root.dependencies[name];
        if (range === undefined) {
          throw new Error(`package.json declares no version of ${name} for the policy pack`);
        }
        return [name, range];
      }),
    ),
  };
  fs.writeFileSync(path.join(outDir, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const file of ["PulumiPolicy.yaml", "README.md", "config.dev.json"]) {
    fs.copyFileSync(path.join(SOURCE, file), path.join(outDir, file));
  }
  return fs.readdirSync(outDir).sort();
}
