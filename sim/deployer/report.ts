/**
 * Running the deployer chain for one or every workflow, and its text: the full `--ci <workflow>` report
 * and the per-workflow summary inside the normal `npm start` report.
 */
import { newCiCache, runCiChain, workflowFiles, type CiOptions, type CiReport } from "./chain";
import { KUBELOGIN_REQUIREMENTS, KUBELOGIN_VERSION } from "./kubelogin";

/** Runs the chain for each file with one shared cache (one bootstrap evaluation, one Entra emulator). */
export async function runWorkflows(
  files: readonly string[],
  options: CiOptions = {},
): Promise<CiReport[]> {
  const cache = options.cache ?? newCiCache();
  try {
    const reports: CiReport[] = [];
    for (const file of files) {
      reports.push(await runCiChain(file, { ...options, cache }));
    }
    return reports;
  } finally {
    const exchanger = await cache.exchanger?.catch(() => undefined);
    await exchanger?.close();
  }
}

/** The chain for every workflow in .github/workflows (the normal report's CI section). */
export function runAllWorkflows(options: CiOptions = {}): Promise<CiReport[]> {
  return runWorkflows(workflowFiles(options.root), options);
}

/** Exit code of a CI check: 1 with any finding. */
export function ciExitCode(reports: readonly CiReport[]): number {
  return reports.some((r) => r.findings.length > 0) ? 1 : 0;
}

/** kubelogin's per-mode requirements at the pinned version, one line per mode. */
export function kubeloginRequirementLines(): string[] {
  return Object.values(KUBELOGIN_REQUIREMENTS).map((m) => {
    const required = m.settings
      .filter((s) => s.required)
      .map((s) => {
        const env = [...s.env, ...(s.orAllOf ? [s.orAllOf.join("+")] : [])];
        return `${s.name} (${[...s.flags.filter((f) => f.startsWith("--")), ...env].join(" | ")})`;
      });
    return `kubelogin ${KUBELOGIN_VERSION} -l ${m.mode}: ${required.join(", ") || "no settings"}; needs ${m.runtime}`;
  });
}

/** The full report of `npm start -- --ci <workflow>`. */
export function formatCiReport(reports: readonly CiReport[]): string {
  const out: string[] = [];
  for (const r of reports) {
    out.push(`zerocred CI chain — ${r.file}`, "");
    if (r.jobs.length === 0) {
      out.push("  No job signs in to Azure.");
    }
    for (const j of r.jobs) {
      out.push(
        `  ${j.ok ? "✓" : "✗"} job ${j.job} (${j.run})${j.identity ? ` as ${j.identity}` : ""}`,
      );
      for (const line of j.chain) {
        out.push(`      ${line}`);
      }
    }
    out.push("");
    if (r.findings.length === 0) {
      out.push(
        "  Every job's chain holds: OIDC subject, federated credential, ARM rights, kubelogin, Kubernetes RBAC, policy pack.",
      );
    }
    for (const f of r.findings) {
      out.push(
        `  error ${f.code} — ${f.job ?? r.workflow}${f.step ? ` / ${f.step}` : ""}${f.run ? ` (${f.run})` : ""}`,
        `    ${f.message}`,
        `    fix: ${f.fix}`,
      );
    }
    out.push("", `  (${r.ms} ms)`, "");
  }
  out.push(
    "Pinned kubelogin, per login mode:",
    ...kubeloginRequirementLines().map((l) => `  ${l}`),
    "",
  );
  out.push(
    ciExitCode(reports) === 0
      ? "Result: the deployer's chain holds for every job."
      : "Result: the deployment would fail in CI — see the findings above.",
    "",
  );
  return out.join("\n");
}

/** The normal report's section: one line per workflow, then each finding. */
export function formatCiSummary(reports: readonly CiReport[]): string[] {
  const out: string[] = [];
  for (const r of reports) {
    const jobs = [...new Set(r.jobs.map((j) => j.job))];
    out.push(
      `${r.findings.length === 0 ? "✓" : "✗"} ${r.file}: ${jobs.length === 0 ? "no Azure sign-in" : `jobs ${jobs.join(", ")}`}` +
        (r.findings.length > 0 ? ` — ${r.findings.length} finding(s)` : ""),
    );
    // The policy pack as CI invokes it (its flags, the config file it passes).
    const policyLines = new Set(
      r.jobs.flatMap((j) =>
        j.chain.filter((l) => l.startsWith("policy pack")).map((l) => `${j.job}: ${l}`),
      ),
    );
    out.push(...[...policyLines].map((l) => `    ${l}`));
    for (const f of r.findings) {
      out.push(
        `    ${f.code} — ${f.job ?? ""}${f.step ? ` / ${f.step}` : ""}: ${f.message}`,
        `      fix: ${f.fix}`,
      );
    }
  }
  out.push(...kubeloginRequirementLines());
  return out;
}
