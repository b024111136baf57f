/**
 * The engine's analyzer protocol against a running policy pack: the pack process prints its gRPC port
 * on stdout (as @pulumi/policy's PolicyPack does when the engine starts it); the suite talks to it
 * with the engine's own messages (GetAnalyzerInfo, Configure, Analyze). Proves the environment-aware
 * level and the preview-unknown handling end to end. Used for the source pack (server.test.ts) and
 * for the bundled, publishable pack (test/package/policy-pack.test.ts).
 */
import type { ChildProcess } from "node:child_process";
import { createRequire } from "node:module";
import * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rules } from "../../policies/registry";
import { UNKNOWN_VALUE, vaultProps } from "./fixtures";

// The engine protocol's own runtime dependencies, resolved through @pulumi/pulumi.
const pulumiRequire = createRequire(require.resolve("@pulumi/pulumi"));
const grpc = pulumiRequire("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
const { Struct } = pulumiRequire("google-protobuf/google/protobuf/struct_pb") as {
  Struct: { fromJavaScript(value: Record<string, unknown>): unknown };
};
const { AnalyzerClient } = pulumiRequire("@pulumi/pulumi/proto/analyzer_grpc_pb") as {
  AnalyzerClient: new (address: string, credentials: unknown) => Record<string, unknown>;
};
const { Empty } = pulumiRequire("google-protobuf/google/protobuf/empty_pb") as {
  Empty: new () => unknown;
};

const VAULT = "azure-native:keyvault:Vault";
const PURGE_MESSAGE =
  'Key Vault "kv" has properties.enablePurgeProtection = false; set it to true so a deleted vault cannot be purged during its retention period.';

/** Defines the protocol suite for the pack that `start` launches (its stdout's first line: the port). */
export function describeAnalyzerServer(
  title: string,
  start: () => ChildProcess | Promise<ChildProcess>,
): void {
  let child: ChildProcess | undefined;
  let client: Record<string, unknown>;

  function call<T>(method: string, request: unknown): Promise<T> {
    return new Promise((resolve, reject) => {
      const fn = client[method] as (
        req: unknown,
        cb: (err: Error | null, res: T) => void,
      ) => unknown;
      fn.call(client, request, (err, res) => (err ? reject(err) : resolve(res)));
    });
  }

  function analyzeRequest(props: Record<string, unknown>): analyzerPb.AnalyzeRequest {
    const req = new analyzerPb.AnalyzeRequest();
    req.setType(VAULT);
    req.setName("kv");
    req.setUrn(`urn:pulumi:dev::zerocred::${VAULT}::kv`);
    req.setProperties(Struct.fromJavaScript(props) as never);
    const options = new analyzerPb.AnalyzerResourceOptions();
    options.setCustomtimeouts(new analyzerPb.AnalyzerResourceOptions.CustomTimeouts());
    req.setOptions(options);
    return req;
  }

  async function analyze(props: Record<string, unknown>) {
    const res = await call<analyzerPb.AnalyzeResponse>("analyze", analyzeRequest(props));
    return res.getDiagnosticsList().map((d) => ({
      policy: d.getPolicyname(),
      level: d.getEnforcementlevel(),
      message: d.getMessage(),
    }));
  }

  async function configure(environment: string | undefined): Promise<void> {
    const req = new analyzerPb.ConfigureAnalyzerRequest();
    const map = req.getPolicyconfigMap();
    for (const rule of rules) {
      const cfg = new analyzerPb.PolicyConfig();
      cfg.setEnforcementlevel(
        rule.enforcementLevel === "mandatory"
          ? analyzerPb.EnforcementLevel.MANDATORY
          : analyzerPb.EnforcementLevel.ADVISORY,
      );
      cfg.setProperties(
        Struct.fromJavaScript(environment === undefined ? {} : { environment }) as never,
      );
      map.set(rule.name, cfg);
    }
    await call("configure", req);
  }

  beforeAll(async () => {
    const proc = await start();
    child = proc;
    const port = await new Promise<string>((resolve, reject) => {
      let err = "";
      proc.stdout?.on("data", (chunk: Buffer) => resolve(chunk.toString().trim()));
      proc.stderr?.on("data", (chunk: Buffer) => (err += chunk.toString()));
      proc.on("exit", (code) => reject(new Error(`policy pack exited with ${code}: ${err}`)));
    });
    client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  });

  afterAll(() => {
    (client?.close as (() => void) | undefined)?.call(client);
    if (child?.pid !== undefined && child.exitCode === null) {
      child.kill("SIGTERM");
    }
  });

  describe(title, () => {
    it("announces every rule with its level", async () => {
      const info = await call<analyzerPb.AnalyzerInfo>("getAnalyzerInfo", new Empty());
      expect(info.getName()).toBe("zerocred");
      const policies = info.getPoliciesList().map((p) => [p.getName(), p.getEnforcementlevel()]);
      expect(policies).toEqual(
        rules.map((r) => [
          r.name,
          r.enforcementLevel === "mandatory"
            ? analyzerPb.EnforcementLevel.MANDATORY
            : analyzerPb.EnforcementLevel.ADVISORY,
        ]),
      );
    });

    it("reports purge protection as mandatory in prod and advisory in dev", async () => {
      const props = vaultProps();
      props.properties.enablePurgeProtection = false;
      const description = rules.find(
        (r) => r.name === "keyvault-enables-purge-protection",
      )?.description;
      await configure("prod");
      expect(await analyze(props)).toEqual([
        {
          policy: "keyvault-enables-purge-protection",
          level: analyzerPb.EnforcementLevel.MANDATORY,
          message: `${description}\n${PURGE_MESSAGE}`,
        },
      ]);
      await configure("dev");
      expect(await analyze(props)).toEqual([
        {
          policy: "keyvault-enables-purge-protection",
          level: analyzerPb.EnforcementLevel.ADVISORY,
          message: `${description}\n${PURGE_MESSAGE}`,
        },
      ]);
    });

    it("reports nothing for a compliant vault, nor for one whose settings are unknown in preview", async () => {
      await configure(undefined);
      expect(await analyze(vaultProps())).toEqual([]);
      const props = vaultProps() as { properties: Record<string, unknown> };
      props.properties.enableRbacAuthorization = UNKNOWN_VALUE;
      props.properties.networkAcls = UNKNOWN_VALUE;
      expect(await analyze(props)).toEqual([]);
    });
  });
}
