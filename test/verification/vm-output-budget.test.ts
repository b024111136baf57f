/**
 * The run command handler keeps only the last 4096 bytes of a script's stdout
 * (Azure/run-command-handler-linux v1.16.0, internal/cmds/cmds.go `maxTailLen = 4 * 1024`,
 * internal/files/logtail.go `TailFile`). These tests run the real VM verifier with 50 principals against
 * the emulators, cut its output exactly as the handler does, and require that the parser still returns
 * all 50 results — and that a result which really is lost is reported, never dropped.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../../sim/emulators/index";
import {
  VM_VERIFIER_SCRIPT_PATH,
  vmVerifierParameters,
  type VmVerifierCheckValues,
} from "../../components/verification/vmVerification";
import {
  RUN_COMMAND_OUTPUT_TAIL_BYTES,
  parseVerifierOutput,
  type ExpectedCheck,
} from "../../components/verification/results";
import { APP, CANARY_SHA256, OTHER, baseEnv, run, world } from "./world";

let emu: Emulators;

beforeAll(async () => {
  emu = await startEmulators(world());
});

afterAll(async () => {
  await emu?.close();
});

/** What the handler reports: the last 4096 bytes of stdout (a byte tail, cut mid-line). */
function handlerTail(stdout: string): string {
  const bytes = Buffer.from(stdout, "utf8");
  return bytes.subarray(Math.max(0, bytes.length - RUN_COMMAND_OUTPUT_TAIL_BYTES)).toString("utf8");
}

/** 50 principals; the 25 `.app` ones are expected to be denied but can read: they fail at once. */
function fiftyChecks(): VmVerifierCheckValues[] {
  return Array.from({ length: 50 }, (_, i) => {
    const app = i % 2 === 0;
    return {
      principal: `principal-${String(i).padStart(2, "0")}.${app ? "app" : "other"}`,
      clientId: app ? APP.clientId : OTHER.clientId,
      vaultUrl: emu.vaultUrl("zc-kv"),
      secretName: "canary",
      expectedSha256: CANARY_SHA256,
      expected: "deny",
    };
  });
}

const expectedOf = (checks: VmVerifierCheckValues[]): ExpectedCheck[] =>
  checks.map((c) => ({
    principal: c.principal,
    clientId: c.clientId,
    vault: c.vaultUrl,
    secret: c.secretName,
    expected: c.expected,
  }));

let checks: VmVerifierCheckValues[];
let stdout: string;
let code: number | null;

beforeAll(async () => {
  checks = fiftyChecks();
  const env = Object.fromEntries(
    vmVerifierParameters({ checks, timeoutSeconds: 30 }).map((p) => [p.name, p.value]),
  );
  // One run of the real script (dash) serves every test below.
  const out = await run("dash", [VM_VERIFIER_SCRIPT_PATH], {
    ...baseEnv(env),
    ZC_IMDS_ENDPOINT: emu.imdsEndpoint("vm"),
    ZC_CA_FILE: emu.caFile,
  });
  stdout = out.stdout;
  code = out.code;
});

describe("50 principals through the run command's 4096-byte output tail", () => {
  it("loses no result: all 50 rebuilt from the compact block, passes and failures alike", () => {
    expect(code).toBe(1);
    expect(Buffer.byteLength(stdout)).toBeGreaterThan(RUN_COMMAND_OUTPUT_TAIL_BYTES * 3);
    const parsed = parseVerifierOutput(handlerTail(stdout), expectedOf(checks));
    expect(parsed.truncated).toBe(true);
    expect(parsed.lost).toBe(0);
    expect(parsed.ok).toBe(false);
    expect(parsed.summary).toEqual({ total: 50, passed: 25, failed: 25 });
    expect(parsed.results.map((r) => [r.principal, r.actual, r.status])).toEqual(
      checks.map((c) =>
        c.principal.endsWith(".app") ? [c.principal, "allow", 200] : [c.principal, "deny", 403],
      ),
    );
  });

  it("keeps a diagnosis for every failed check, shortened to share the budget", () => {
    const parsed = parseVerifierOutput(handlerTail(stdout), expectedOf(checks));
    const failed = parsed.results.filter((r) => r.actual !== r.expected);
    expect(failed).toHaveLength(25);
    for (const r of failed) {
      expect(r.diagnosis.length).toBeGreaterThan(10);
      expect(
        "Read the secret although access should be denied: remove the role assignment that grants it.".startsWith(
          r.diagnosis,
        ),
      ).toBe(true);
    }
  });

  it("reports results cut away as lost errors, never drops them (a tail shorter than the block)", () => {
    const bytes = Buffer.from(stdout, "utf8");
    const cut = bytes.subarray(bytes.length - 600).toString("utf8");
    const parsed = parseVerifierOutput(cut, expectedOf(checks));
    expect(parsed.results).toHaveLength(50);
    expect(parsed.lost).toBeGreaterThan(0);
    expect(parsed.ok).toBe(false);
    const lost = parsed.results.filter((r) => r.status === 0 && r.actual === "error");
    expect(lost).toHaveLength(parsed.lost);
    expect(lost[0]!.diagnosis).toContain("the run command handler keeps only the last 4096 bytes");
    expect(parsed.diagnosis).toMatch(/^\d+ result\(s\) lost/);
  });
});

describe("the parser on hand-written outputs", () => {
  const one: ExpectedCheck[] = [
    { principal: "vm", clientId: null, secret: "canary", expected: "allow" },
    { principal: "vm.shared", clientId: "x", secret: "canary", expected: "deny" },
  ];

  it("fails a check whose result line is missing although the summary says ok", () => {
    const parsed = parseVerifierOutput(
      [
        '{"principal":"vm","clientId":null,"tokenClaims":null,"secret":"canary","expected":"allow","actual":"allow","status":200,"attempts":2,"elapsedMs":5,"diagnosis":"ok"}',
        '{"summary":{"total":1,"passed":1,"failed":0},"ok":true}',
      ].join("\n"),
      one,
    );
    expect(parsed.ok).toBe(false);
    expect(parsed.lost).toBe(1);
    expect(parsed.results[1]).toMatchObject({ principal: "vm.shared", actual: "error" });
  });

  it("counts a broken JSON line (a cut in the middle) as truncation instead of skipping it", () => {
    const parsed = parseVerifierOutput(
      [
        'ncipal":"vm","clientId":null',
        '{"principal":"vm.shared","clientId":"x","tokenClaims":null,"secret":"canary","expected":"deny","actual":"deny","status":403,"attempts":2,"elapsedMs":5,"diagnosis":"403 ForbiddenByRbac, as expected."}',
        '{"summary":{"total":2,"passed":2,"failed":0},"ok":true}',
      ]
        .join("\n")
        .padStart(RUN_COMMAND_OUTPUT_TAIL_BYTES, " "),
      one,
    );
    expect(parsed.truncated).toBe(true);
    expect(parsed.ok).toBe(false);
    expect(parsed.results).toHaveLength(2);
  });

  it("reads a short pod log whose first line is not JSON as complete", () => {
    const parsed = parseVerifierOutput(
      [
        "npm warn: something unrelated",
        '{"principal":"pod.orders","clientId":"x","tokenClaims":null,"secret":"canary","expected":"allow","actual":"allow","status":200,"attempts":2,"elapsedMs":5,"diagnosis":"ok"}',
        '{"summary":{"total":1,"passed":1,"failed":0},"ok":true}',
      ].join("\n"),
    );
    expect(parsed).toMatchObject({ ok: true, truncated: false, lost: 0 });
  });
});
