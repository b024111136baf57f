/**
 * The catalogue of misconfigured programs, end to end: each raw Pulumi program runs ONCE through
 * the whole simulation (simulated cloud → model → emulators → the real verifiers), and that one
 * report is checked twice: the static analysis (exactly the error codes the mistake implies, the
 * vault the emulators serve, the deploy timeline) and the measured verdict (exit code, the
 * verifiers' matrix). Then the same failure is reproduced with a real Azure SDK client.
 * (This merges the former static-only suite, test/sim/catalogue.test.ts, which evaluated every
 * program a second time.)
 */
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { WorkloadIdentityCredential } from "@azure/identity";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../../sim/emulators";
import { buildModel, toEmulatorWorld } from "../../sim/model";
import { evaluateProgram } from "../../sim/program";
import { RESULT_CODES as VERIFIER_RESULT_CODES } from "../../sim/diagnose";
import { simulate, type SimulationReport } from "../../sim/simulate";
import { CATALOGUE } from "../sim/catalogue";
import { ROOT } from "../harness";

/** Diagnoses made from the verifiers' results; every other code comes from the static analysis. */
const RESULT_CODES = new Set(VERIFIER_RESULT_CODES);

it("has at least 15 misconfigured programs", () => {
  expect(CATALOGUE.filter((e) => e.exitCode === 1).length).toBeGreaterThanOrEqual(15);
});

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

  it(`static analysis: exactly ${entry.errorCodes.join(", ") || "no error"}, vault kv-cat, a timeline over 8 minutes`, () => {
    const staticErrors = [
      ...new Set(
        report.diagnoses
          .filter((d) => d.severity === "error" && !RESULT_CODES.has(d.code))
          .map((d) => d.code),
      ),
    ];
    expect(staticErrors).toEqual([...entry.errorCodes]);
    // the world the emulators got is complete for the vault the program declares
    expect(report.plan.counts["azure-native:keyvault:Vault"]).toBe(1);
    expect([...new Set(report.access.map((a) => a.vault))]).toEqual(
      report.access.length > 0 ? ["kv-cat"] : [],
    );
    expect(report.timeline.estimatedSeconds).toBeGreaterThan(480);
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
