/**
 * The OIDC token GitHub Actions issues to a job, derived from the workflow's trigger and the job's
 * environment.
 *
 * Source: GitHub, "OpenID Connect reference" → "Example subject claims"
 * (https://docs.github.com/en/actions/reference/security/oidc), checked 2026-12:
 * - a job that references an environment: `repo:<owner>/<repo>:environment:<name>` — the environment
 *   takes precedence over the event;
 * - `pull_request`: `repo:<owner>/<repo>:pull_request`;
 * - a branch: `repo:<owner>/<repo>:ref:refs/heads/<branch>`; a tag: `repo:<owner>/<repo>:ref:refs/tags/<tag>`.
 * Issuer `https://token.actions.githubusercontent.com` (no trailing slash); azure/login, azure-native and
 * kubelogin request the audience `api://AzureADTokenExchange`.
 */
import { GITHUB_ACTIONS_AUDIENCE, GITHUB_ACTIONS_ISSUER } from "../../components/deployer";
import { interpolate, type ExpressionContext } from "./expressions";
import type { JobInfo, WorkflowInfo } from "./workflow";

export { GITHUB_ACTIONS_AUDIENCE, GITHUB_ACTIONS_ISSUER };

/** One way the workflow can start: an event on a ref. */
export interface WorkflowRun {
  readonly event: "push" | "pull_request" | "workflow_dispatch" | "schedule";
  /** `refs/heads/main`, `refs/tags/v1`, or for pull_request the PR merge ref. */
  readonly ref: string;
  /** Human label: `push to main`, `pull_request into main`, `workflow_dispatch on main`. */
  readonly label: string;
}

/** The claims of the token GitHub would issue (only those Entra and this simulation read). */
export interface GitHubTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string;
  readonly repository: string;
  readonly ref: string;
  readonly event_name: string;
  readonly environment?: string;
}

const GLOB = /[*?[\]!]/;

/**
 * The runs a workflow's triggers describe. Branch filters with wildcards cannot be enumerated and are
 * reported by the caller; a `push` without branch or tag filters runs on every branch, modelled as the
 * default branch.
 */
export function workflowRuns(workflow: WorkflowInfo, defaultBranch = "main"): WorkflowRun[] {
  const runs: WorkflowRun[] = [];
  const t = workflow.triggers;
  if (t.push) {
    const branches = t.push.branches.filter((b) => !GLOB.test(b));
    const tags = t.push.tags.filter((b) => !GLOB.test(b));
    for (const b of branches.length > 0 || tags.length > 0 ? branches : [defaultBranch]) {
      runs.push({ event: "push", ref: `refs/heads/${b}`, label: `push to ${b}` });
    }
    for (const tag of tags) {
      runs.push({ event: "push", ref: `refs/tags/${tag}`, label: `push of tag ${tag}` });
    }
  }
  if (t.pullRequest) {
    const into = t.pullRequest.branches.filter((b) => !GLOB.test(b))[0] ?? defaultBranch;
    runs.push({
      event: "pull_request",
      ref: "refs/pull/1/merge",
      label: `pull_request into ${into}`,
    });
  }
  if (t.events.includes("schedule")) {
    // Scheduled runs use the latest commit on the default branch (GitHub, "Events that trigger
    // workflows" → schedule).
    runs.push({
      event: "schedule",
      ref: `refs/heads/${defaultBranch}`,
      label: `schedule on ${defaultBranch}`,
    });
  }
  if (t.workflowDispatch) {
    runs.push({
      event: "workflow_dispatch",
      ref: `refs/heads/${defaultBranch}`,
      label: `workflow_dispatch on ${defaultBranch}`,
    });
  }
  return runs;
}

/** Events whose token subject this simulation derives. */
export const MODELLED_EVENTS = ["push", "pull_request", "workflow_dispatch", "schedule"];

/** The workflow's events whose OIDC subject is not derived here (a job signing in under them is unproven). */
export function unmodelledEvents(workflow: WorkflowInfo): string[] {
  return workflow.triggers.events.filter((e) => !MODELLED_EVENTS.includes(e));
}

/** The expression context of a job in a run (repository variables, dispatch inputs, github.*). */
export function runContext(
  workflow: WorkflowInfo,
  run: WorkflowRun,
  repository: string,
  vars: Readonly<Record<string, string>>,
): ExpressionContext {
  return {
    vars,
    inputs:
      run.event === "workflow_dispatch" ? (workflow.triggers.workflowDispatch?.inputs ?? {}) : {},
    github: {
      repository,
      ref: run.ref,
      event_name: run.event,
      ref_name: run.ref.replace(/^refs\/(heads|tags)\//, ""),
    },
  };
}

/** The job's environment name in a run; `undefined` without one; `null` when not evaluable offline. */
export function jobEnvironment(job: JobInfo, ctx: ExpressionContext): string | undefined | null {
  if (job.environment === undefined) {
    return undefined;
  }
  const name = interpolate(job.environment, ctx);
  return name === undefined ? null : name === "" ? undefined : name;
}

/** The subject GitHub puts in the job's token. */
export function subjectFor(repository: string, run: WorkflowRun, environment?: string): string {
  const repo = `repo:${repository}`;
  if (environment !== undefined) {
    return `${repo}:environment:${environment}`;
  }
  if (run.event === "pull_request") {
    return `${repo}:pull_request`;
  }
  return `${repo}:ref:${run.ref}`;
}

/** The token's claims for a job in a run. */
export function tokenClaims(
  repository: string,
  run: WorkflowRun,
  environment?: string,
): GitHubTokenClaims {
  return {
    iss: GITHUB_ACTIONS_ISSUER,
    sub: subjectFor(repository, run, environment),
    aud: GITHUB_ACTIONS_AUDIENCE,
    repository,
    ref: run.ref,
    event_name: run.event,
    ...(environment !== undefined ? { environment } : {}),
  };
}
