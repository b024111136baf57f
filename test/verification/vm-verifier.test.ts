/**
 * The VM verifier (POSIX sh + curl) against the IMDS, Entra and Key Vault emulators, under dash and
 * bash. Every output is collected and scanned at the end: no token, no secret value.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEmulators, type Emulators } from "../../sim/emulators/index";
import { VM_VERIFIER_SCRIPT_PATH } from "../../components/verification/vmVerification";
import {
  APP,
  CANARY,
  CANARY_SHA256,
  OTHER,
  SECRETS_USER,
  SYSTEM,
  TENANT,
  VAULT_ID,
  baseEnv,
  run,
  shells,
  tempDir,
  world,
  type RunOutput,
  until,
} from "./world";
import { TEST_TIME_SCALE } from "../harness/time-scale";

const SHELLS = shells();
const CURL = execFileSync("sh", ["-c", "command -v curl"], { encoding: "utf8" }).trim();
const transcripts: string[] = [];
let emu: Emulators;

beforeAll(async () => {
  emu = await startEmulators(world());
});

afterAll(async () => {
  await emu?.close();
});

function vmEnv(e: Emulators, extra: Record<string, string>): Record<string, string> {
  return baseEnv({
    ZC_VAULT_URL: e.vaultUrl("zc-kv"),
    ZC_SECRET_NAME: "canary",
    ZC_EXPECTED_SHA256: CANARY_SHA256,
    ZC_TIMEOUT_SECONDS: "30",
    ZC_TIME_SCALE: String(TEST_TIME_SCALE),
    ZC_IMDS_ENDPOINT: e.imdsEndpoint("vm"),
    ZC_CA_FILE: e.caFile,
    ...extra,
  });
}

async function verify(shell: string, env: Record<string, string>): Promise<RunOutput> {
  const out = await run(shell, [VM_VERIFIER_SCRIPT_PATH], env);
  transcripts.push(out.stdout, out.stderr);
  return out;
}

const claimsOf = (principalId: string) => ({
  aud: "https://vault.azure.net",
  iss: `https://sts.windows.net/${TENANT}/`,
  oid: principalId,
  tid: TENANT,
  exp: expect.any(Number),
});

it("is POSIX sh + curl: no jq, python or bash-only syntax", () => {
  const script = fs.readFileSync(VM_VERIFIER_SCRIPT_PATH, "utf8");
  expect(script.startsWith("#!/bin/sh\n")).toBe(true);
  expect(script).not.toMatch(
    /\bjq\b|\bpython|\[\[ |\$RANDOM|\bdeclare\b|\blocal\b|<<<|^function\b/m,
  );
  expect(script).toContain("--noproxy '*'");
  expect(script).toContain("-H 'Metadata: true'");
  expect(script).toContain("api-version=2018-02-01");
  expect(script).toContain("?api-version=7.5");
});

describe.each(SHELLS)("vm-verifier.sh's JSON strings under %s", (shell) => {
  // The script's own jstr, run alone: every value it prints must parse back to itself (control
  // characters dropped), whether it takes the fast path (printable ASCII) or the escaping one.
  const script = fs.readFileSync(VM_VERIFIER_SCRIPT_PATH, "utf8");
  const jstr = /^jstr\(\) \{\n[\s\S]*?\n\}\n/m.exec(script)![0];
  it.each([
    ["403 ForbiddenByRbac, as expected.", "403 ForbiddenByRbac, as expected."],
    ["https://kv.vault.azure.net/ ~!#$%&'()*+,-./:;<=>?@[]^_`{|}", null],
    ['IMDS answered 400: "Identity not found"', null],
    ["a\\b\\\\c", null],
    ["tab\there\nline", "tabhereline"],
    ["caf\u00e9 \u2713", null],
    ["", null],
  ])("%j", (value, expected) => {
    const out = execFileSync(
      shell,
      ["-c", `LC_ALL=C; export LC_ALL\n${jstr}jstr "$1"`, "sh", value],
      {
        encoding: "utf8",
      },
    );
    expect(JSON.parse(out)).toBe(expected ?? value);
  });
});

describe.each(SHELLS)("vm-verifier.sh under %s", (shell) => {
  it("proves allow for the system and app identities and the expected denial for the other", async () => {
    const out = await verify(
      shell,
      vmEnv(emu, {
        ZC_PRINCIPALS: `vm||allow;app|${APP.clientId}|allow;other|${OTHER.clientId}|deny`,
      }),
    );
    expect(out.stderr).toBe("");
    expect(out.code).toBe(0);
    // The run command keeps only the last 4 KB of output.
    expect(Buffer.byteLength(out.stdout)).toBeLessThan(2048);
    expect(out.lines).toEqual([
      {
        principal: "vm",
        clientId: null,
        tokenClaims: claimsOf(SYSTEM.principalId),
        vault: emu.vaultUrl("zc-kv"),
        secret: "canary",
        expected: "allow",
        actual: "allow",
        status: 200,
        attempts: 2,
        elapsedMs: expect.any(Number),
        diagnosis: "Read the secret; its SHA-256 matches the expected fingerprint.",
      },
      {
        principal: "app",
        clientId: APP.clientId,
        tokenClaims: claimsOf(APP.principalId),
        vault: emu.vaultUrl("zc-kv"),
        secret: "canary",
        expected: "allow",
        actual: "allow",
        status: 200,
        attempts: 2,
        elapsedMs: expect.any(Number),
        diagnosis: "Read the secret; its SHA-256 matches the expected fingerprint.",
      },
      {
        principal: "other",
        clientId: OTHER.clientId,
        tokenClaims: claimsOf(OTHER.principalId),
        vault: emu.vaultUrl("zc-kv"),
        secret: "canary",
        expected: "deny",
        actual: "deny",
        status: 403,
        attempts: 2,
        elapsedMs: expect.any(Number),
        diagnosis: "403 ForbiddenByRbac, as expected.",
      },
      { summary: { total: 3, passed: 3, failed: 0 }, ok: true },
    ]);
  });

  it("fails (exit 1) when a principal expected to be denied can read the secret", async () => {
    const out = await verify(shell, vmEnv(emu, { ZC_PRINCIPALS: `app|${APP.clientId}|deny` }));
    expect(out.code).toBe(1);
    expect(out.lines[0]).toMatchObject({
      actual: "allow",
      status: 200,
      diagnosis:
        "Read the secret although access should be denied: remove the role assignment that grants it.",
    });
    expect(out.lines[1]).toEqual({ summary: { total: 1, passed: 0, failed: 1 }, ok: false });
  });

  it("survives IMDS 429 and 5xx answers (retries, then succeeds)", async () => {
    emu.injectImdsFaults("vm", [429, 503]);
    const out = await verify(shell, vmEnv(emu, { ZC_PRINCIPALS: "vm||allow" }));
    expect(out.code).toBe(0);
    expect(out.lines[0]).toMatchObject({ actual: "allow", status: 200, attempts: 4 });
  });

  it("does not retry an IMDS 400 (identity not attached) and names the cause", async () => {
    const stranger = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a";
    const out = await verify(shell, vmEnv(emu, { ZC_PRINCIPALS: `ghost|${stranger}|allow` }));
    expect(out.code).toBe(1);
    expect(out.lines[0]).toMatchObject({
      principal: "ghost",
      tokenClaims: null,
      actual: "error",
      status: 400,
      attempts: 1,
    });
    expect(String(out.lines[0].diagnosis)).toContain(
      "(the identity with this client_id is not attached to the VM)",
    );
  });

  it("gives up after 3 network failures reaching IMDS, naming the endpoint", async () => {
    const out = await verify(
      shell,
      vmEnv(emu, { ZC_PRINCIPALS: "vm||allow", ZC_IMDS_ENDPOINT: "http://127.0.0.1:9" }),
    );
    expect(out.code).toBe(1);
    expect(out.lines[0]).toMatchObject({
      actual: "error",
      status: 0,
      attempts: 3,
      tokenClaims: null,
    });
    expect(String(out.lines[0].diagnosis)).toMatch(
      /^IMDS unreachable at http:\/\/127\.0\.0\.1:9: /,
    );
  });

  it("reports a fingerprint mismatch as an error", async () => {
    const out = await verify(
      shell,
      vmEnv(emu, { ZC_PRINCIPALS: "vm||allow", ZC_EXPECTED_SHA256: "0".repeat(64) }),
    );
    expect(out.code).toBe(1);
    expect(out.lines[0]).toMatchObject({
      actual: "error",
      status: 200,
      diagnosis:
        "Read a secret whose SHA-256 does not match ZC_EXPECTED_SHA256: wrong vault or secret version.",
    });
  });

  it("treats an unreachable vault as an error, never as the expected denial", async () => {
    const out = await verify(
      shell,
      vmEnv(emu, {
        ZC_PRINCIPALS: `other|${OTHER.clientId}|deny`,
        ZC_VAULT_URL: "https://127.0.0.1:9/",
      }),
    );
    expect(out.code).toBe(1);
    expect(out.lines[0]).toMatchObject({ expected: "deny", actual: "error", status: 0 });
    expect(String(out.lines[0].diagnosis)).toMatch(
      /^Key Vault unreachable \(network error, not a denial\)/,
    );
  });

  it("gives up on ForbiddenByRbac at ZC_TIMEOUT_SECONDS when access is expected", async () => {
    const out = await verify(
      shell,
      // 10 s of the verifier's clock (1 s real at TEST_TIME_SCALE 10).
      vmEnv(emu, { ZC_PRINCIPALS: `other|${OTHER.clientId}|allow`, ZC_TIMEOUT_SECONDS: "10" }),
    );
    expect(out.code).toBe(1);
    expect(out.lines[0]).toMatchObject({ expected: "allow", actual: "deny", status: 403 });
    expect(out.lines[0].attempts).toBeGreaterThanOrEqual(3);
    expect(String(out.lines[0].diagnosis)).toMatch(
      /^403 ForbiddenByRbac: no effective role assignment yet .* Gave up after \d+ attempts: ZC_TIMEOUT_SECONDS \(10\) reached\.$/,
    );
  });

  it("rejects malformed inputs before any request, naming the setting", async () => {
    const missing = await verify(
      shell,
      vmEnv(emu, { ZC_PRINCIPALS: "vm||allow", ZC_VAULT_URL: "" }),
    );
    expect(missing.code).toBe(2);
    expect(missing.lines).toEqual([
      {
        summary: { total: 0, passed: 0, failed: 0 },
        ok: false,
        diagnosis:
          "ZC_VAULT_URL is not set: pass the vault URI (https://<vault>.vault.azure.net/) as a run command parameter.",
      },
    ]);
    for (const scale of ["0", "1001", "1.5"]) {
      const clock = await verify(
        shell,
        vmEnv(emu, { ZC_PRINCIPALS: "vm||allow", ZC_TIME_SCALE: scale }),
      );
      expect(clock.code).toBe(2);
      expect(clock.lines[0].diagnosis).toBe(
        `ZC_TIME_SCALE '${scale}' is not a whole number from 1 to 1000 (leave it unset outside the simulation).`,
      );
    }
    const bad = await verify(shell, vmEnv(emu, { ZC_PRINCIPALS: "vm||maybe" }));
    expect(bad.code).toBe(2);
    expect(bad.lines[0].diagnosis).toBe(
      "ZC_PRINCIPALS entry 'vm||maybe': expectation 'maybe' must be 'allow' or 'deny'.",
    );
  });
});

describe.each(SHELLS)("vm-verifier.sh under %s with RBAC propagation delay", (shell) => {
  it("retries ForbiddenByRbac until the new assignment takes effect, then succeeds", async () => {
    const e = await startEmulators(world({ grantApp: false }));
    try {
      const pending = verify(
        shell,
        vmEnv(e, { ZC_PRINCIPALS: `app|${APP.clientId}|allow;other|${OTHER.clientId}|deny` }),
      );
      // The role is assigned once the verifier has been denied — whatever the machine's load, it
      // has seen a 403 — and takes effect 2 s later on the verifier's clock.
      await until(() => (e.requestCounts().vaultByPrincipal[APP.principalId] ?? 0) > 0);
      e.addRoleAssignment(
        { principalId: APP.principalId, roleDefinitionId: SECRETS_USER, scope: VAULT_ID },
        2000 / TEST_TIME_SCALE,
      );
      const out = await pending;
      expect(out.code).toBe(0);
      expect(out.lines[0]).toMatchObject({ principal: "app", actual: "allow", status: 200 });
      expect(out.lines[0].attempts).toBeGreaterThanOrEqual(3);
      expect(out.lines[0].elapsedMs).toBeGreaterThanOrEqual(1000);
      expect(out.lines[1]).toMatchObject({ principal: "other", actual: "deny", attempts: 2 });
    } finally {
      await e.close();
    }
  });
});

describe("token handling", () => {
  it("keeps the bearer token out of curl's argv (0600 config file, removed afterwards)", async () => {
    const t = tempDir();
    try {
      const log = path.join(t.dir, "argv.log");
      const wrapper = path.join(t.dir, "curl");
      // A curl stand-in that records its argv and the mode of any -K file, then runs the real curl.
      fs.writeFileSync(
        wrapper,
        [
          "#!/bin/sh",
          `printf '%s\\n' "$*" >> '${log}'`,
          'prev=""',
          'for a in "$@"; do',
          `  if [ "$prev" = "-K" ]; then stat -c 'mode=%a' "$a" >> '${log}'; echo "$a" > '${log}.cfg'; fi`,
          "  prev=$a",
          "done",
          `exec ${CURL} "$@"`,
          "",
        ].join("\n"),
        { mode: 0o755 },
      );
      const env = vmEnv(emu, { ZC_PRINCIPALS: "vm||allow" });
      env.PATH = `${t.dir}:${env.PATH ?? ""}`;
      const out = await verify(SHELLS[0], env);
      expect(out.code).toBe(0);
      const argv = fs.readFileSync(log, "utf8");
      expect(argv).toContain("mode=600");
      expect(argv).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}|Bearer/);
      const cfg = fs.readFileSync(`${log}.cfg`, "utf8").trim();
      expect(fs.existsSync(cfg)).toBe(false);
    } finally {
      t.remove();
    }
  });
});

// Output hygiene: after every run of this file (in any order), no token or secret value was printed.
// (Runs with a -t filter may capture little; a full run must have scanned real transcripts.)
afterAll(() => {
  const all = transcripts.join("\n");
  expect(all.length).toBeGreaterThan(transcripts.length >= 6 ? 1000 : 0);
  expect(all).not.toContain(CANARY);
  expect(all).not.toMatch(/eyJ[A-Za-z0-9_-]{8,}/);
  expect(all).not.toMatch(/access_token|Bearer /i);
});
