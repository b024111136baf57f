/**
 * The verifiers' output contract and its parser.
 *
 * Both verifiers print one JSON line per check (principal × vault × secret), then a summary line. The VM
 * verifier also prints a compact result block just before the summary, because the Linux run command
 * handler reports only the LAST 4096 bytes of a script's stdout (Azure/run-command-handler-linux
 * v1.16.0, internal/cmds/cmds.go: `maxTailLen = 4 * 1024`, read with files.TailFile): with many checks,
 * the JSON lines at the top are cut, the block at the bottom survives.
 *
 *   ZC-RESULTS v1 <count>
 *   ZC <index> <actual> <status> <attempts> <elapsedMs> [diagnosis of a failed check, shortened]
 *   {"summary":{"total":…,"passed":…,"failed":…},"ok":…}
 *
 * The parser never drops a result silently: a check it cannot rebuild (its lines were cut) is reported
 * as an `error` naming the truncation, and `ok` is false.
 */

export interface VerifierTokenClaims {
  readonly aud: string | null;
  readonly iss: string | null;
  readonly oid: string | null;
  readonly tid: string | null;
  readonly exp: number | null;
}

export interface VerifierResultLine {
  readonly principal: string;
  readonly clientId: string | null;
  readonly tokenClaims: VerifierTokenClaims | null;
  /** The vault URI the check read (with its trailing slash); absent in single-secret output. */
  readonly vault?: string;
  readonly secret: string;
  readonly expected: "allow" | "deny";
  readonly actual: "allow" | "deny" | "error";
  readonly status: number;
  readonly attempts: number;
  readonly elapsedMs: number;
  readonly diagnosis: string;
}

export interface VerifierSummary {
  readonly total: number;
  readonly passed: number;
  readonly failed: number;
}

/** What the caller asked the verifier to check, in order: lets the parser rebuild cut lines. */
export interface ExpectedCheck {
  readonly principal: string;
  readonly clientId: string | null;
  readonly vault?: string;
  readonly secret: string;
  readonly expected: "allow" | "deny";
}

export interface ParsedVerifierOutput {
  readonly results: VerifierResultLine[];
  readonly summary?: VerifierSummary;
  /** True iff a summary line says ok, no check is missing, and every result's actual equals its expected. */
  readonly ok: boolean;
  /** A diagnosis carried by the summary line (configuration errors), or the truncation that lost results. */
  readonly diagnosis?: string;
  /** True when the output did not start at a line boundary (the handler kept only its tail). */
  readonly truncated: boolean;
  /** Checks whose result could not be rebuilt from what survived (each is an `error` in `results`). */
  readonly lost: number;
}

/** The Linux run command handler's stdout budget (bytes kept from the end). */
export const RUN_COMMAND_OUTPUT_TAIL_BYTES = 4096;

const HEADER = /^ZC-RESULTS v1 (\d+)$/;
const RECORD = /^ZC (\d+) (allow|deny|error) (\d+) (\d+) (\d+)(?: (.*))?$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

interface CompactRecord {
  readonly actual: "allow" | "deny" | "error";
  readonly status: number;
  readonly attempts: number;
  readonly elapsedMs: number;
  readonly diagnosis?: string;
}

/**
 * Parses verifier output. `expected`, when given, is the list of checks the verifier was asked to run
 * (in order): every one of them gets a result, rebuilt from the compact block when its JSON line was cut,
 * or reported as lost.
 */
export function parseVerifierOutput(
  output: string | undefined,
  expected?: readonly ExpectedCheck[],
): ParsedVerifierOutput {
  const text = output ?? "";
  const full: VerifierResultLine[] = [];
  const compact = new Map<number, CompactRecord>();
  let count: number | undefined;
  let summary: VerifierSummary | undefined;
  let summaryOk = false;
  let diagnosis: string | undefined;
  let unreadable = 0;
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === "") {
      return;
    }
    const header = HEADER.exec(line);
    if (header) {
      count = Number(header[1]);
      return;
    }
    const record = RECORD.exec(line);
    if (record) {
      compact.set(Number(record[1]), {
        actual: record[2] as CompactRecord["actual"],
        status: Number(record[3]),
        attempts: Number(record[4]),
        elapsedMs: Number(record[5]),
        diagnosis: record[6],
      });
      return;
    }
    let parsed: unknown;
    try {
      parsed = line.startsWith("{") ? JSON.parse(line) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!isObject(parsed)) {
      // The first line of an output cut to the handler's tail is a fragment; a broken JSON line anywhere
      // is counted too. (A non-JSON first line of a short output is a log line, not a cut.)
      if (
        line.startsWith("{") ||
        (i === 0 && Buffer.byteLength(text) >= RUN_COMMAND_OUTPUT_TAIL_BYTES - 2)
      ) {
        unreadable += 1;
      }
      return;
    }
    if (isObject(parsed.summary)) {
      const s = parsed.summary;
      summary = {
        total: Number(s.total) || 0,
        passed: Number(s.passed) || 0,
        failed: Number(s.failed) || 0,
      };
      summaryOk = parsed.ok === true;
      diagnosis = typeof parsed.diagnosis === "string" ? parsed.diagnosis : undefined;
    } else if (typeof parsed.principal === "string") {
      full.push(parsed as unknown as VerifierResultLine);
    }
  });
  // Records without their header: the block itself was cut at the top.
  const truncated = unreadable > 0 || (compact.size > 0 && count === undefined);

  // How many checks ran: the compact header, else the summary, else the caller's list.
  /** The parse's outcome: ok only when every check came back as expected and nothing failed. */
  const verdict = (
    results: VerifierResultLine[],
    lost: number,
    failed: boolean,
    failure?: string,
  ): ParsedVerifierOutput => ({
    results,
    summary,
    ok:
      summaryOk &&
      lost === 0 &&
      !failed &&
      results.length > 0 &&
      results.every((r) => r.actual === r.expected),
    diagnosis:
      diagnosis ?? (lost > 0 ? lostDiagnosis(lost, truncated) : failed ? failure : undefined),
    truncated,
    lost,
  });
  const total = count ?? (compact.size > 0 ? summary?.total : undefined);
  if (total === undefined) {
    // Output without a compact block (the pod verifier, or nothing at all).
    const results = [...full];
    let lost = 0;
    if (expected !== undefined) {
      for (let i = results.length; i < expected.length; i++) {
        results.push(lostResult(expected[i], truncated));
        lost += 1;
      }
    }
    return verdict(results, lost, truncated);
  }

  // The surviving JSON lines are the last `full.length` checks (output is only ever cut at the top).
  const n = Math.max(total, expected?.length ?? 0);
  const firstFull = total - full.length;
  const results: VerifierResultLine[] = [];
  let lost = 0;
  for (let i = 0; i < n; i++) {
    const line = i >= firstFull && i < total ? full[i - firstFull] : undefined;
    const rec = compact.get(i);
    const want = expected?.[i];
    if (line !== undefined) {
      results.push(line);
    } else if (rec !== undefined && (want !== undefined || i < total)) {
      results.push({
        principal: want?.principal ?? `#${i}`,
        clientId: want?.clientId ?? null,
        tokenClaims: null,
        ...(want?.vault !== undefined ? { vault: want.vault } : {}),
        secret: want?.secret ?? "",
        expected: want?.expected ?? (rec.actual === "error" ? "allow" : rec.actual),
        actual: rec.actual,
        status: rec.status,
        attempts: rec.attempts,
        elapsedMs: rec.elapsedMs,
        diagnosis:
          rec.diagnosis ??
          (want !== undefined && rec.actual === want.expected
            ? "As expected (detail line cut by the run command's 4096-byte output tail)."
            : ""),
      });
    } else {
      results.push(
        want !== undefined
          ? lostResult(want, truncated)
          : lostResult({ principal: `#${i}`, clientId: null, secret: "", expected: "allow" }, true),
      );
      lost += 1;
    }
  }
  // The output must answer exactly the checks asked for (not another run's, not fewer, not more).
  const mismatch =
    expected !== undefined &&
    (total !== expected.length ||
      results.some(
        (r, i) => r.principal !== expected[i]?.principal || r.expected !== expected[i]?.expected,
      ));
  return verdict(
    results,
    lost,
    mismatch,
    `The verifier answered ${total} check(s) that are not the ${expected?.length} asked for: the output belongs to another run.`,
  );
}

function lostDiagnosis(lost: number, truncated: boolean): string {
  return truncated
    ? `${lost} result(s) lost: the run command handler keeps only the last ${RUN_COMMAND_OUTPUT_TAIL_BYTES} bytes of output. Verify fewer checks per VmVerification.`
    : `${lost} result(s) missing from the verifier output: the script stopped early (see the run command's error output).`;
}

function lostResult(want: ExpectedCheck, truncated: boolean): VerifierResultLine {
  return {
    principal: want.principal,
    clientId: want.clientId,
    tokenClaims: null,
    ...(want.vault !== undefined ? { vault: want.vault } : {}),
    secret: want.secret,
    expected: want.expected,
    actual: "error",
    status: 0,
    attempts: 0,
    elapsedMs: 0,
    diagnosis: lostDiagnosis(1, truncated),
  };
}
