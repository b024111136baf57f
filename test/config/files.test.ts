import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { parse } from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  CONFIG_KEYS,
  ConfigError,
  DEFAULTS,
  KNOWN_CONFIG_KEYS,
  STRUCTURED_CONFIG_KEYS,
  fromPulumiConfigMap,
  loadPulumiConfig,
  parseStackConfig,
  readStackConfigFile,
  type ConfigIssue,
} from "../../infra/config";
import { DEV_STACK_FILE, REPO_ROOT, devRaw } from "./fixtures";

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "zc-config-"));
});
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

function write(name: string, text: string): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

function readIssues(file: string): ConfigIssue[] {
  try {
    readStackConfigFile(file);
  } catch (e) {
    if (e instanceof ConfigError) {
      return e.issues;
    }
    throw e;
  }
  throw new Error("expected a ConfigError");
}

/** Pulumi's own config map for a raw config: structured values JSON-encoded, scalars as strings. */
function toPulumiMap(raw: Record<string, unknown>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(raw).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]),
  );
}

describe("readStackConfigFile", () => {
  it("returns the config block of Pulumi.dev.yaml as a flat key map", () => {
    const raw = readStackConfigFile(DEV_STACK_FILE);
    expect(Object.keys(raw)).toEqual([
      "azure-native:location",
      "zerocred:prefix",
      "zerocred:environment",
      "zerocred:resourceGroupName",
      "zerocred:deployer",
      "zerocred:network",
      "zerocred:vm",
      "zerocred:aks",
      "zerocred:identities",
      "zerocred:workloads",
      "zerocred:grants",
      "zerocred:verification",
    ]);
    expect(raw["zerocred:identities"]).toEqual([{ name: "orders" }, { name: "shared" }]);
    // Issue 10 item 9: CI's deployer may not create groups; the committed stack deploys into the
    // bootstrap's default targetResourceGroupName.
    expect(raw["zerocred:resourceGroupName"]).toBe("zerocred-dev");
  });

  it("reports a missing file", () => {
    const file = path.join(dir, "Pulumi.nope.yaml");
    expect(readIssues(file)).toEqual([
      {
        path: file,
        value: undefined,
        message: `${file}: file not found: create it (copy Pulumi.dev.yaml) or name an existing stack file.`,
      },
    ]);
  });

  it("reports a YAML syntax error with its line and column", () => {
    const file = write("Pulumi.bad.yaml", "config:\n  zerocred:prefix: zc\n   zerocred:vm: [\n");
    expect(readIssues(file)).toEqual([
      {
        path: `${file}:2:20`,
        value: undefined,
        message: `${file}:2:20: YAML syntax error: Nested mappings are not allowed in compact mappings. Fix the YAML (indent with spaces, quote values that contain ": " or start with special characters).`,
      },
    ]);
  });

  it("reports duplicate keys (YAML forbids them)", () => {
    const file = write(
      "Pulumi.dup.yaml",
      "config:\n  zerocred:prefix: zc\n  zerocred:prefix: zd\n",
    );
    expect(readIssues(file).map((i) => i.message)).toEqual([
      `${file}:3:3: YAML syntax error: Map keys must be unique. Fix the YAML (indent with spaces, quote values that contain ": " or start with special characters).`,
    ]);
  });

  it("reports a file without a config block", () => {
    const file = write("Pulumi.empty.yaml", "secretsprovider: passphrase\n");
    expect(readIssues(file)).toEqual([
      {
        path: file,
        value: undefined,
        message: `${file}: has no "config:" block: put the stack settings under a top-level "config:" key (see Pulumi.dev.yaml).`,
      },
    ]);
  });

  it("reports an empty file", () => {
    const file = write("Pulumi.blank.yaml", "");
    expect(readIssues(file).map((i) => i.message)).toEqual([
      `${file}: has no "config:" block: put the stack settings under a top-level "config:" key (see Pulumi.dev.yaml).`,
    ]);
  });

  it("reports a config block that is not a map", () => {
    const file = write("Pulumi.list.yaml", "config:\n  - zerocred:prefix\n");
    expect(readIssues(file)).toEqual([
      {
        path: `${file}:config`,
        value: ["zerocred:prefix"],
        message: `${file}: "config:" is a list, not a map: write "key: value" pairs under it (see Pulumi.dev.yaml).`,
      },
    ]);
  });
});

describe("Pulumi's config map (what `pulumi up` passes the program)", () => {
  afterEach(() => {
    pulumi.runtime.setAllConfig({});
  });

  it("fromPulumiConfigMap decodes structured keys and keeps scalars as strings", () => {
    const raw = devRaw();
    expect(fromPulumiConfigMap(toPulumiMap(raw))).toEqual(raw);
  });

  it("fromPulumiConfigMap drops other namespaces but keeps typos of ours", () => {
    expect(
      fromPulumiConfigMap({
        "azure-native:subscriptionId": "x",
        "pulumi:tags": "{}",
        "zerocred:netwrk": '{"addressSpace":"10.42.0.0/16"}',
        "zercred:vm": "{}",
      }),
    ).toEqual({
      "zerocred:netwrk": { addressSpace: "10.42.0.0/16" },
      "zercred:vm": "{}",
    });
  });

  it("a structured key that is not JSON is reported as not a map", () => {
    const map = { ...toPulumiMap(devRaw()), "zerocred:aks": "big" };
    try {
      parseStackConfig(fromPulumiConfigMap(map));
      throw new Error("expected a ConfigError");
    } catch (e) {
      expect((e as ConfigError).issues.map((i) => i.message)).toEqual([
        'zerocred:aks: "big" is a string, not a map: write it as a map, e.g. { nodeSize: Standard_D2s_v5, nodeCount: 1 }.',
      ]);
    }
  });

  it("loadPulumiConfig reads pulumi.runtime config into the same StackSpec as the file", () => {
    pulumi.runtime.setAllConfig(toPulumiMap(devRaw()));
    expect(loadPulumiConfig()).toEqual(parseStackConfig(devRaw()));
  });

  it('loadPulumiConfig reads zerocred:resourceGroupName; the project default "" means unset', () => {
    pulumi.runtime.setAllConfig({
      ...toPulumiMap(devRaw()),
      "zerocred:resourceGroupName": "zerocred-dev",
    });
    expect(loadPulumiConfig().resourceGroupName).toBe("zerocred-dev");
    pulumi.runtime.setAllConfig({ ...toPulumiMap(devRaw()), "zerocred:resourceGroupName": "" });
    expect("resourceGroupName" in loadPulumiConfig()).toBe(false);
  });

  it("loadPulumiConfig detects unknown zerocred keys and throws ConfigError", () => {
    pulumi.runtime.setAllConfig({ ...toPulumiMap(devRaw()), "zerocred:grant": "[]" });
    expect(() => loadPulumiConfig()).toThrow(ConfigError);
    try {
      loadPulumiConfig();
    } catch (e) {
      expect((e as ConfigError).issues.map((i) => i.path)).toEqual(["zerocred:grant"]);
    }
  });
});

describe("Pulumi.yaml", () => {
  const project = parse(fs.readFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), "utf8")) as {
    name: string;
    runtime: { name: string; options: Record<string, unknown> };
    main: string;
    description: string;
    config: Record<
      string,
      { type?: string; description?: string; default?: unknown; items?: unknown }
    >;
  };

  it("names the project, the nodejs runtime and the main program", () => {
    expect(project.name).toBe("zerocred");
    expect(project.runtime).toEqual({ name: "nodejs", options: { packagemanager: "npm" } });
    expect(project.main).toBe("infra/index.ts");
    expect(project.description.length).toBeGreaterThan(20);
  });

  it("declares exactly the zerocred keys the schema knows, each with a description", () => {
    const zerocredKeys = KNOWN_CONFIG_KEYS.filter((k) => k.startsWith("zerocred:"));
    expect(Object.keys(project.config)).toEqual(zerocredKeys);
    for (const key of zerocredKeys) {
      expect(project.config[key].description, key).toMatch(/\S{3}/);
    }
    expect(Object.keys(CONFIG_KEYS)).toContain("azure-native:location");
  });

  it("uses only the declaration types Pulumi supports (structured keys stay untyped)", () => {
    for (const [key, decl] of Object.entries(project.config)) {
      const structured = (STRUCTURED_CONFIG_KEYS as readonly string[]).includes(key);
      expect(decl.type, key).toBe(structured ? undefined : "string");
    }
  });

  it("declares the same defaults as infra/config.ts; only zerocred:vm is required", () => {
    const short = (k: string) => k.slice("zerocred:".length) as keyof typeof DEFAULTS;
    for (const [key, decl] of Object.entries(project.config)) {
      if (key === "zerocred:vm") {
        expect(decl.default).toBeUndefined();
        continue;
      }
      expect(decl.default, key).toEqual(DEFAULTS[short(key)]);
    }
  });

  it("its defaults alone plus a location and an SSH key form a valid config", () => {
    const raw: Record<string, unknown> = {
      "azure-native:location": "westeurope",
      "zerocred:vm": {
        sshPublicKey: (devRaw()["zerocred:vm"] as { sshPublicKey: string }).sshPublicKey,
      },
    };
    for (const [key, decl] of Object.entries(project.config)) {
      if (decl.default !== undefined) {
        raw[key] = decl.default;
      }
    }
    expect(parseStackConfig(raw).environment).toBe("prod");
  });
});
