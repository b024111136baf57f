/**
 * The verifiers' output contract (one JSON line per principal, then a summary line) and its parser.
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

export interface ParsedVerifierOutput {
  readonly results: VerifierResultLine[];
  readonly summary?: VerifierSummary;
  /** True iff a summary line says ok and every result's actual equals its expected. */
  readonly ok: boolean;
  /** A diagnosis carried by the summary line (configuration errors). */
  readonly diagnosis?: string;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Parses verifier output; lines that are not result or summary JSON are ignored. */
export function parseVerifierOutput(output: string | undefined): ParsedVerifierOutput {
  const results: VerifierResultLine[] = [];
  let summary: VerifierSummary | undefined;
  let summaryOk = false;
  let diagnosis: string | undefined;
  for (const raw of (output ?? "").split(/\r?\n/)) {
    const line = raw.trim();
    if (!line.startsWith("{")) {
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      continue;
    }
    if (!isObject(parsed)) {
      continue;
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
      results.push(parsed as unknown as VerifierResultLine);
    }
  }
  const ok = summaryOk && results.length > 0 && results.every((r) => r.actual === r.expected);
  return { results, summary, ok, diagnosis };
}
