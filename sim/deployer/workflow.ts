/**
 * Reads a GitHub Actions workflow file into what the deployer's chain depends on: its triggers, each
 * job's effective `permissions`, `environment`, `env`, the `azure/login` inputs, the `pulumi`
 * invocations with their flags, the `pulumi config set` calls, the kubelogin install, and whether every
 * action is pinned by full commit SHA.
 *
 * Semantics from GitHub's workflow syntax reference
 * (https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax):
 * - `permissions` at job level REPLACES the workflow-level block for that job; naming any permission
 *   sets every unnamed one to `none`; `read-all` / `write-all` are shorthands.
 * - Without any `permissions` key the repository default applies, and `id-token` is `none` in both the
 *   permissive and the restricted default (GITHUB_TOKEN reference, "Permissions for the GITHUB_TOKEN").
 * - `env` merges workflow → job → step, the innermost winning.
 */
import { parse } from "yaml";

/** A workflow file that is not a readable workflow (bad YAML, no `on`, no `jobs`). */
export class WorkflowError extends Error {}

export interface WorkflowTriggers {
  readonly push?: { readonly branches: readonly string[]; readonly tags: readonly string[] };
  readonly pullRequest?: { readonly branches: readonly string[] };
  readonly workflowDispatch?: {
    /** Input name → the value a dispatch uses by default (its `default`, else its first option). */
    readonly inputs: Readonly<Record<string, string>>;
  };
  /** Every event name, as written. */
  readonly events: readonly string[];
}

export interface StepInfo {
  readonly index: number;
  readonly name: string;
  readonly uses?: string;
  readonly with: Readonly<Record<string, string>>;
  readonly env: Readonly<Record<string, string>>;
  readonly run?: string;
}

export type PulumiCommand = "preview" | "up" | "destroy" | "refresh";

export interface PulumiInvocation {
  readonly step: StepInfo;
  readonly command: PulumiCommand;
  /** The words after `pulumi`, as the shell would pass them (quotes removed, variables kept). */
  readonly args: readonly string[];
  readonly policyPacks: readonly string[];
  readonly policyPackConfigs: readonly string[];
  readonly expectNoChanges: boolean;
  readonly stack?: string;
}

export interface ConfigSet {
  readonly step: StepInfo;
  /** `zerocred:deployer.principalType` (with `--path`) or a plain key. */
  readonly key: string;
  /** The value set; `undefined` for `pulumi config rm`. */
  readonly value?: string;
  readonly path: boolean;
}

export interface AzureLogin {
  readonly step: StepInfo;
  readonly clientId?: string;
  readonly tenantId?: string;
  readonly subscriptionId?: string;
  /** The `audience` input (azure/login requests `api://AzureADTokenExchange` without it). */
  readonly audience?: string;
  /** Set when the step signs in with a stored secret (`creds:` or `client-secret`), not OIDC. */
  readonly usesSecret: boolean;
}

export interface KubeloginInstall {
  readonly step: StepInfo;
  /** e.g. `v0.1.3`; `latest` when the install does not pin one. */
  readonly version: string;
}

export interface UnpinnedAction {
  readonly job: string;
  readonly step?: string;
  readonly uses: string;
}

export interface JobInfo {
  readonly id: string;
  readonly name: string;
  readonly needs: readonly string[];
  readonly if?: string;
  /** The raw `environment` (its `name` when written as a map), expressions unevaluated. */
  readonly environment?: string;
  /** Effective permission level per scope (`write` / `read` / `none`), after GitHub's replacement rule. */
  readonly permissions: Readonly<Record<string, string>>;
  /** Where the effective permissions come from. */
  readonly permissionsFrom: "job" | "workflow" | "default";
  readonly idTokenWrite: boolean;
  /** Workflow env overlaid by job env (expressions unevaluated). */
  readonly env: Readonly<Record<string, string>>;
  readonly steps: readonly StepInfo[];
  readonly azureLogins: readonly AzureLogin[];
  readonly pulumi: readonly PulumiInvocation[];
  readonly configSets: readonly ConfigSet[];
  readonly kubelogin?: KubeloginInstall;
  /** `kubelogin convert-kubeconfig -l <mode>` / `get-token -l <mode>` calls outside Pulumi. */
  readonly kubeloginModes: readonly { readonly step: StepInfo; readonly mode: string }[];
}

export interface WorkflowInfo {
  readonly file: string;
  readonly name: string;
  readonly triggers: WorkflowTriggers;
  readonly jobs: readonly JobInfo[];
  readonly unpinned: readonly UnpinnedAction[];
}

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function strings(v: unknown): string[] {
  if (typeof v === "string") {
    return [v];
  }
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === "string") : [];
}

function stringMap(v: unknown): Record<string, string> {
  if (!isObj(v)) {
    return {};
  }
  return Object.fromEntries(
    Object.entries(v)
      .filter(([, x]) => x !== null && x !== undefined)
      .map(([k, x]) => [k, String(x)]),
  );
}

function readTriggers(on: unknown): WorkflowTriggers {
  const events: Obj = {};
  if (typeof on === "string") {
    events[on] = null;
  } else if (Array.isArray(on)) {
    for (const e of on) {
      events[String(e)] = null;
    }
  } else if (isObj(on)) {
    Object.assign(events, on);
  }
  const push = "push" in events ? (isObj(events.push) ? events.push : {}) : undefined;
  const pr =
    "pull_request" in events ? (isObj(events.pull_request) ? events.pull_request : {}) : undefined;
  const dispatch =
    "workflow_dispatch" in events
      ? isObj(events.workflow_dispatch)
        ? events.workflow_dispatch
        : {}
      : undefined;
  const inputs: Record<string, string> = {};
  if (dispatch && isObj(dispatch.inputs)) {
    for (const [k, spec] of Object.entries(dispatch.inputs)) {
      if (isObj(spec)) {
        const first = strings(spec.options)[0];
        inputs[k] = spec.default !== undefined ? String(spec.default) : (first ?? "");
      }
    }
  }
  return {
    events: Object.keys(events),
    push: push ? { branches: strings(push.branches), tags: strings(push.tags) } : undefined,
    pullRequest: pr ? { branches: strings(pr.branches) } : undefined,
    workflowDispatch: dispatch ? { inputs } : undefined,
  };
}

/** GitHub's permission scopes (GITHUB_TOKEN reference); `write-all` / `read-all` expand to these. */
const SCOPES = [
  "actions",
  "attestations",
  "checks",
  "contents",
  "deployments",
  "discussions",
  "id-token",
  "issues",
  "models",
  "packages",
  "pages",
  "pull-requests",
  "repository-projects",
  "security-events",
  "statuses",
];

function readPermissions(raw: unknown): Record<string, string> {
  if (raw === "write-all") {
    return Object.fromEntries(SCOPES.map((s) => [s, "write"]));
  }
  if (raw === "read-all") {
    // id-token has no read level: read-all leaves it at none (github/docs#33483).
    return Object.fromEntries(SCOPES.map((s) => [s, s === "id-token" ? "none" : "read"]));
  }
  const named = stringMap(raw);
  // Naming any permission sets every unnamed one to none.
  return Object.fromEntries(SCOPES.map((s) => [s, named[s] ?? "none"]));
}

/** Splits a shell script into commands (line continuations joined; `;`, `&&`, `||`, `|` separate). */
export function shellCommands(script: string): string[][] {
  const joined = script.replace(/\\\r?\n/g, " ");
  const commands: string[][] = [];
  for (const line of joined.split(/\r?\n/)) {
    let words: string[] = [];
    let current = "";
    let inWord = false;
    let quote: "'" | '"' | undefined;
    const flushWord = () => {
      if (inWord) {
        words.push(current);
      }
      current = "";
      inWord = false;
    };
    const flushCommand = () => {
      flushWord();
      if (words.length > 0) {
        commands.push(words);
      }
      words = [];
    };
    for (let i = 0; i < line.length; i++) {
      const c = line[i]!;
      if (quote) {
        if (c === quote) {
          quote = undefined;
        } else {
          current += c;
        }
        continue;
      }
      if (c === "'" || c === '"') {
        quote = c;
        inWord = true;
      } else if (c === "#" && !inWord) {
        break;
      } else if (c === " " || c === "\t") {
        flushWord();
      } else if (c === ";" || c === "|" || c === "&") {
        flushCommand();
        if (line[i + 1] === c) {
          i++;
        }
      } else if (c === ">" || c === "<") {
        // A redirection: drop it and its target.
        flushWord();
        while (line[i + 1] === ">" || line[i + 1] === "&" || /[0-9]/.test(line[i + 1] ?? "")) {
          i++;
        }
        while (line[i + 1] === " ") {
          i++;
        }
        while (i + 1 < line.length && !/[\s;|&]/.test(line[i + 1]!)) {
          i++;
        }
      } else {
        current += c;
        inWord = true;
      }
    }
    flushCommand();
  }
  return commands;
}

function flagValues(args: readonly string[], ...names: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    for (const n of names) {
      if (a === n && i + 1 < args.length) {
        out.push(args[i + 1]!);
      } else if (a.startsWith(`${n}=`)) {
        out.push(a.slice(n.length + 1));
      }
    }
  }
  return out;
}

const PULUMI_COMMANDS: readonly PulumiCommand[] = ["preview", "up", "destroy", "refresh"];

function readStepCommands(step: StepInfo) {
  const pulumi: PulumiInvocation[] = [];
  const configSets: ConfigSet[] = [];
  const kubeloginModes: { step: StepInfo; mode: string }[] = [];
  for (const words of shellCommands(step.run ?? "")) {
    const start = words.findIndex((w) => w === "pulumi" || w.endsWith("/pulumi"));
    if (start >= 0) {
      const args = words.slice(start + 1);
      const verb = args.find((a) => !a.startsWith("-"));
      if (verb === "update") {
        pulumi.push(invocation(step, "up", args));
      } else if (PULUMI_COMMANDS.includes(verb as PulumiCommand)) {
        pulumi.push(invocation(step, verb as PulumiCommand, args));
      } else if (verb === "config" && (args.includes("rm") || args.includes("remove"))) {
        const verbAt = Math.max(args.indexOf("rm"), args.indexOf("remove"));
        const rest = args.slice(verbAt + 1);
        const key = rest.find(
          (a, i) => !a.startsWith("-") && !(i > 0 && ["--stack", "-s"].includes(rest[i - 1]!)),
        );
        if (key !== undefined) {
          configSets.push({ step, key, value: undefined, path: rest.includes("--path") });
        }
      } else if (verb === "config" && args.includes("set")) {
        const rest = args.slice(args.indexOf("set") + 1);
        const positional = rest.filter(
          (a, i) => !a.startsWith("-") && !(i > 0 && ["--stack", "-s"].includes(rest[i - 1]!)),
        );
        if (positional.length >= 2) {
          configSets.push({
            step,
            key: positional[0]!,
            value: positional[1]!,
            path: rest.includes("--path"),
          });
        }
      }
    }
    const k = words.findIndex((w) => w === "kubelogin" || w.endsWith("/kubelogin"));
    if (k >= 0) {
      const mode = flagValues(words.slice(k + 1), "-l", "--login")[0];
      if (mode !== undefined) {
        kubeloginModes.push({ step, mode });
      }
    }
  }
  return { pulumi, configSets, kubeloginModes };
}

function invocation(step: StepInfo, command: PulumiCommand, args: string[]): PulumiInvocation {
  return {
    step,
    command,
    args,
    policyPacks: flagValues(args, "--policy-pack"),
    policyPackConfigs: flagValues(args, "--policy-pack-config"),
    expectNoChanges: args.includes("--expect-no-changes"),
    stack: flagValues(args, "--stack", "-s")[0],
  };
}

/**
 * A `pulumi/actions` step with a `command` input (its inputs `stack-name`, `policyPacks`,
 * `policyPackConfigs` — multiline or `;`-separated —, `expect-no-changes`, `refresh`: pulumi/actions
 * src/config.ts `makeConfig`).
 */
function pulumiActionInvocation(step: StepInfo): PulumiInvocation | undefined {
  if (step.uses === undefined || !/^pulumi\/actions@/i.test(step.uses)) {
    return undefined;
  }
  const raw = step.with.command;
  const command = raw === "update" ? "up" : raw;
  if (!PULUMI_COMMANDS.includes(command as PulumiCommand)) {
    return undefined;
  }
  const list = (v: string | undefined) =>
    (v ?? "")
      .split(/[\n;]/)
      .map((x) => x.trim())
      .filter((x) => x !== "");
  const args = [command!, ...(step.with.refresh === "true" ? ["--refresh"] : [])];
  return {
    step,
    command: command as PulumiCommand,
    args,
    policyPacks: list(step.with.policyPacks),
    policyPackConfigs: list(step.with.policyPackConfigs),
    expectNoChanges: step.with["expect-no-changes"] === "true",
    stack: step.with["stack-name"],
  };
}

/**
 * Whether a `uses:` is pinned by full commit SHA (40 hex digits); local actions (`./…`) and
 * digest-pinned docker images count as pinned (GitHub, "Security hardening for GitHub Actions",
 * "Using third-party actions": pinning to a full-length commit SHA is the only immutable reference).
 */
export function isPinned(uses: string): boolean {
  if (uses.startsWith("./")) {
    return true;
  }
  if (uses.startsWith("docker://")) {
    return /@sha256:[0-9a-f]{64}$/.test(uses);
  }
  return /@[0-9a-f]{40}$/.test(uses);
}

function kubeloginVersion(step: StepInfo): string | undefined {
  if (step.uses !== undefined && /^azure\/use-kubelogin@/i.test(step.uses)) {
    return step.with["kubelogin-version"] ?? "latest";
  }
  const m = /kubelogin\/releases\/download\/(v\d+\.\d+\.\d+)\//.exec(step.run ?? "");
  return m?.[1];
}

/** Parses a workflow's text. Throws `WorkflowError` naming the file and the problem. */
export function readWorkflow(text: string, file: string): WorkflowInfo {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    throw new WorkflowError(`${file}: not valid YAML (${(err as Error).message.split("\n")[0]}).`);
  }
  // The yaml package (YAML 1.2) keeps the key `on` a string.
  if (!isObj(doc) || !("on" in doc)) {
    throw new WorkflowError(`${file}: not a GitHub Actions workflow (no "on:" triggers).`);
  }
  if (!isObj(doc.jobs) || Object.keys(doc.jobs).length === 0) {
    throw new WorkflowError(`${file}: not a GitHub Actions workflow (no "jobs:").`);
  }
  const triggers = readTriggers(doc.on);
  const workflowEnv = stringMap(doc.env);
  const workflowPermissions = doc.permissions;
  const unpinned: UnpinnedAction[] = [];
  const jobs: JobInfo[] = [];
  for (const [id, rawJob] of Object.entries(doc.jobs)) {
    if (!isObj(rawJob)) {
      throw new WorkflowError(`${file}: job ${id} is not a mapping.`);
    }
    if (typeof rawJob.uses === "string" && !isPinned(rawJob.uses)) {
      unpinned.push({ job: id, uses: rawJob.uses });
    }
    const permissionsFrom =
      rawJob.permissions !== undefined
        ? "job"
        : workflowPermissions !== undefined
          ? "workflow"
          : "default";
    const permissions =
      permissionsFrom === "job"
        ? readPermissions(rawJob.permissions)
        : permissionsFrom === "workflow"
          ? readPermissions(workflowPermissions)
          : // The repository default: id-token is none in both defaults.
            { "id-token": "none" };
    const rawSteps = Array.isArray(rawJob.steps) ? rawJob.steps : [];
    const steps: StepInfo[] = rawSteps.filter(isObj).map((s, index) => ({
      index,
      name:
        typeof s.name === "string"
          ? s.name
          : typeof s.uses === "string"
            ? s.uses.split("@")[0]!
            : `step ${index + 1}`,
      uses: typeof s.uses === "string" ? s.uses : undefined,
      with: stringMap(s.with),
      env: stringMap(s.env),
      run: typeof s.run === "string" ? s.run : undefined,
    }));
    const pulumi: PulumiInvocation[] = [];
    const configSets: ConfigSet[] = [];
    const kubeloginModes: { step: StepInfo; mode: string }[] = [];
    const azureLogins: AzureLogin[] = [];
    let kubelogin: KubeloginInstall | undefined;
    for (const step of steps) {
      if (step.uses !== undefined && !isPinned(step.uses)) {
        unpinned.push({ job: id, step: step.name, uses: step.uses });
      }
      if (step.uses !== undefined && /^azure\/login@/i.test(step.uses)) {
        azureLogins.push({
          step,
          clientId: step.with["client-id"],
          tenantId: step.with["tenant-id"],
          subscriptionId: step.with["subscription-id"],
          audience: step.with.audience,
          usesSecret: step.with.creds !== undefined || step.with["client-secret"] !== undefined,
        });
      }
      const version = kubeloginVersion(step);
      if (version !== undefined && kubelogin === undefined) {
        kubelogin = { step, version };
      }
      const viaAction = pulumiActionInvocation(step);
      if (viaAction !== undefined) {
        pulumi.push(viaAction);
      }
      const found = readStepCommands(step);
      pulumi.push(...found.pulumi);
      configSets.push(...found.configSets);
      kubeloginModes.push(...found.kubeloginModes);
    }
    const env = rawJob.environment;
    jobs.push({
      id,
      name: typeof rawJob.name === "string" ? rawJob.name : id,
      needs: strings(rawJob.needs),
      if: rawJob.if === undefined ? undefined : String(rawJob.if),
      environment:
        typeof env === "string"
          ? env
          : isObj(env) && typeof env.name === "string"
            ? env.name
            : undefined,
      permissions,
      permissionsFrom,
      idTokenWrite: permissions["id-token"] === "write",
      env: { ...workflowEnv, ...stringMap(rawJob.env) },
      steps,
      azureLogins,
      pulumi,
      configSets,
      kubelogin,
      kubeloginModes,
    });
  }
  return {
    file,
    name: typeof doc.name === "string" ? doc.name : file,
    triggers,
    jobs,
    unpinned,
  };
}

/** Whether the job signs in to Azure at all (azure/login, a pulumi command, or kubelogin). */
export function signsInToAzure(job: JobInfo): boolean {
  return job.azureLogins.length > 0 || job.pulumi.length > 0 || job.kubeloginModes.length > 0;
}
