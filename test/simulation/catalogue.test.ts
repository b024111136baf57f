/**
 * The catalogue of misconfigured programs, end to end: each raw Pulumi program runs through the
 * whole simulation (simulated cloud → model → emulators → the real verifiers) and must exit with
 * its code and name its mistake. Then the same failure is reproduced with a real Azure SDK client.
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { WorkloadIdentityCredential } from "@azure/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../../sim/emulators";
import { buildModel, toEmulatorWorld } from "../../sim/model";
import { evaluateProgram } from "../../sim/program";
import { simulate, type SimulationReport } from "../../sim/simulate";
import { CATALOGUE } from "../sim/catalogue";
import { ROOT } from "../harness";

const reports = new Map<string, SimulationReport>();

describe.each(CATALOGUE.map((c) => [c.name, c] as const))("catalogue: %s", (_name, entry) => {
  let report: SimulationReport;
  beforeAll(async () => {
    // The catalogue programs are minimal on purpose (no hardening): judge the identity chain only.
    report = await simulate({
      config: {},
      stack: "dev",
      program: path.join(ROOT, entry.file),
      policies: false,
    });
    reports.set(entry.name, report);
  });

  it(`exits ${entry.exitCode}`, () => {
    expect(report.exitCode).toBe(entry.exitCode);
  });

  it(`diagnoses ${entry.errorCodes.join(", ") || "nothing"} (${entry.mistake})`, () => {
    const codes = report.diagnoses.filter((d) => d.severity === "error").map((d) => d.code);
    for (const code of entry.errorCodes) {
      expect(codes).toContain(code);
    }
    if (entry.errorCodes.length === 0) {
      expect(codes).toEqual([]);
    }
    for (const d of report.diagnoses) {
      expect(d.fix.length).toBeGreaterThan(10);
    }
  });

  it("measures with the real verifiers: a healthy chain matches, a broken one mismatches or is flagged", () => {
    if (entry.exitCode === 0) {
      expect(report.access.length).toBeGreaterThan(0);
      expect(report.access.every((a) => a.ok === true)).toBe(true);
    } else {
      const mismatched = report.access.filter((a) => a.ok === false);
      const staticErrors = report.diagnoses.filter(
        (d) => d.severity === "error" && d.code !== "ACCESS_DENIED" && d.code !== "ACCESS_GRANTED",
      );
      expect(mismatched.length + staticErrors.length).toBeGreaterThan(0);
    }
  });
});

describe("the failure the simulation finds is the one Azure's SDK sees", () => {
  let emulators: Emulators;
  let tokenFile: string;
  let clientId: string;
  let tenantId: string;

  beforeAll(async () => {
    const entry = CATALOGUE.find((c) => c.name === "subject-typo")!;
    const evaluation = await evaluateProgram({
      config: {},
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a Pulumi program is CommonJS
      load: async () => require(path.join(ROOT, entry.file)) as Record<string, unknown>,
    });
    const model = buildModel(evaluation.resources);
    tenantId = evaluation.cloud.tenantId;
    emulators = await startEmulators(toEmulatorWorld(model, tenantId));
    const sa = model.serviceAccounts.find(
      (s) => s.annotations["azure.workload.identity/client-id"],
    )!;
    clientId = sa.annotations["azure.workload.identity/client-id"]!;
    const token = await emulators.mintServiceAccountToken(
      model.clusters[0]!.name,
      sa.namespace,
      sa.name,
    );
    tokenFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "zc-sdk-")), "token");
    fs.writeFileSync(tokenFile, token, { mode: 0o600 });
  });

  afterAll(async () => {
    await emulators?.close();
    fs.rmSync(path.dirname(tokenFile), { recursive: true, force: true });
  });

  it("WorkloadIdentityCredential gets AADSTS700213 for the typo'd subject, as the pod verifier did", async () => {
    const credential = new WorkloadIdentityCredential({
      tenantId,
      clientId,
      tokenFilePath: tokenFile,
      authorityHost: emulators.authorityHost,
      disableInstanceDiscovery: true,
      additionallyAllowedTenants: ["*"],
      tlsOptions: { ca: emulators.caPem },
    } as ConstructorParameters<typeof WorkloadIdentityCredential>[0]);
    const error = await credential.getToken("https://vault.azure.net/.default").then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toContain("AADSTS700213");
    const report =
      reports.get("subject-typo") ??
      (await simulate({
        config: {},
        stack: "dev",
        program: path.join(ROOT, "test/sim/catalogue/subject-typo.ts"),
        policies: false,
      }));
    const podRow = report.access.find((a) => a.via === "workload" && a.ok === false)!;
    expect(podRow.diagnosis).toContain("700213");
  });
});
