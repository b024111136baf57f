/**
 * The deployer's zero-credential chain, simulated for one workflow file: for every job that signs in to
 * Azure and every way the workflow starts, GitHub's OIDC token → Entra's federated exchange against the
 * credentials bootstrap/ declares → ARM authorization of each operation of the stack → kubelogin at the
 * pinned version → the Kubernetes API under Azure RBAC with propagation — plus the policy pack as the
 * workflow invokes it. Every failure names the step, Azure's (or the tool's) own error and the fix.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { armIdsEqual, guidsEqual } from "../../components/rules/armIds";
import type { EmulatorKeys } from "../emulators";
import { evaluateProgram, type Evaluation } from "../program";
import { freshRequire } from "../evaluate";
import { authorize, checkArmOperations, writeRights, type Caller, type Operation } from "./arm";
import { evaluateBootstrap, type BootstrapWorld, type DeployerIdentity } from "./bootstrap";
import { startExchanger, type TokenExchanger } from "./exchange";
import { interpolate, type ExpressionContext } from "./expressions";
import { checkKubelogin, execArgs } from "./kubelogin";
import {
  applyKubernetes,
  DEFAULT_AKS_RBAC_PROPAGATION_MS,
  gateWait,
  isAccessGate,
  jobsWithoutReplaceUnready,
  type DataPlaneAssignment,
} from "./kubernetes";
import {
  GITHUB_ACTIONS_AUDIENCE as GITHUB_AUDIENCE,
  jobEnvironment,
  runContext,
  tokenClaims,
  unmodelledEvents,
  workflowRuns,
  type WorkflowRun,
} from "./oidc";
import { schedule } from "./order";
import { evaluatePackAsInvoked } from "./policy";
import {
  readWorkflow,
  signsInToAzure,
  WorkflowError,
  type JobInfo,
  type PulumiInvocation,
  type StepInfo,
  type WorkflowInfo,
} from "./workflow";

export const ROOT = path.join(__dirname, "..", "..");
export const WORKFLOWS_DIR = path.join(ROOT, ".github", "workflows");
/** The AKS-managed Entra ID server app (kubelogin's --server-id), components/kubeconfig.ts. */
const AKS_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630";

export interface CiFinding {
  readonly code: string;
  readonly workflow: string;
  readonly job?: string;
  /** How the workflow started (`push to main`), when the finding depends on it. */
  readonly run?: string;
  readonly step?: string;
  readonly message: string;
  readonly fix: string;
}

export interface JobRunReport {
  readonly job: string;
  readonly run: string;
  readonly subject?: string;
  readonly identity?: string;
  /** One line per step of the chain that was checked, in order. */
  readonly chain: string[];
  readonly ok: boolean;
}

export interface CiReport {
  readonly workflow: string;
  readonly file: string;
  readonly jobs: JobRunReport[];
  readonly findings: CiFinding[];
  /** Time the chain took (ms), for the benchmark. */
  readonly ms: number;
}

export interface CiOptions {
  readonly root?: string;
  /** Bootstrap stack file (default bootstrap/Pulumi.example.yaml). */
  readonly bootstrapConfig?: string;
  readonly propagationDelayMs?: number;
  /** Shared between workflows of one `npm start` (bootstrap and stack evaluations are cached). */
  readonly cache?: CiCache;
  /** Emulator keys to reuse for the Entra emulator and GitHub's issuer (generated when absent). */
  readonly keys?: Promise<EmulatorKeys>;
}

export interface CiCache {
  bootstrap?: Promise<BootstrapWorld>;
  stacks: Map<string, Promise<Evaluation>>;
  /** Pulumi.<stack>.yaml's config by file (`undefined`: no such file). */
  stackConfigs: Map<string, Record<string, unknown> | undefined>;
  exchanger?: Promise<TokenExchanger>;
}

export function newCiCache(): CiCache {
  return { stacks: new Map(), stackConfigs: new Map() };
}

/** A file's path for messages: relative inside the repository, absolute outside it. */
function displayPath(file: string, root: string): string {
  const rel = path.relative(root, file);
  return rel === "" || rel.startsWith("..") || path.isAbsolute(rel) ? file : rel;
}

/** Resolves `--ci <workflow>`: a path, or a name in .github/workflows (`main`, `main.yml`). */
export function resolveWorkflowFile(nameOrPath: string, root = ROOT, cwd = process.cwd()): string {
  const dir = path.join(root, ".github", "workflows");
  const candidates = [
    path.resolve(cwd, nameOrPath),
    path.join(dir, nameOrPath),
    path.join(dir, `${nameOrPath}.yml`),
    path.join(dir, `${nameOrPath}.yaml`),
  ];
  const found = candidates.find((c) => fs.existsSync(c) && fs.statSync(c).isFile());
  if (found === undefined) {
    const known = fs.existsSync(dir)
      ? fs
          .readdirSync(dir)
          .filter((f) => /\.ya?ml$/.test(f))
          .map((f) => f.replace(/\.ya?ml$/, ""))
      : [];
    throw new WorkflowError(
      `--ci ${nameOrPath}: no such workflow. Workflows in .github/workflows: ${known.join(", ") || "none"}; or pass a path to a workflow file.`,
    );
  }
  return found;
}

/** Every workflow file in .github/workflows. */
export function workflowFiles(root = ROOT): string[] {
  const dir = path.join(root, ".github", "workflows");
  return fs.existsSync(dir)
    ? fs
        .readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
        .map((f) => path.join(dir, f))
    : [];
}

/** `$VAR` / `${VAR}` expansion with the step's environment. */
export function expandShell(word: string, env: Readonly<Record<string, string>>): string {
  return word.replace(
    /\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g,
    (_m, a, b) => env[(a ?? b) as string] ?? "",
  );
}

/** The step's environment: workflow → job → step env, evaluated; GitHub's OIDC request pair when granted. */
function stepEnv(
  job: JobInfo,
  step: StepInfo | undefined,
  ctx: ExpressionContext,
): Record<string, string> {
  const raw = { ...job.env, ...(step?.env ?? {}) };
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(raw)) {
    env[k] = interpolate(v, ctx) ?? "";
  }
  if (job.idTokenWrite) {
    // GitHub injects these into every step of a job granted id-token: write (OIDC reference).
    env.ACTIONS_ID_TOKEN_REQUEST_URL =
      "https://pipelines.actions.githubusercontent.invalid/idtoken";
    env.ACTIONS_ID_TOKEN_REQUEST_TOKEN = "[github-request-token]";
  }
  return env;
}

function setConfig(
  config: Record<string, unknown>,
  key: string,
  value: string | undefined,
  usePath: boolean,
): void {
  if (!usePath || !key.includes(".")) {
    if (value === undefined) {
      delete config[key];
    } else {
      config[key] = value;
    }
    return;
  }
  const [top, ...rest] = key.split(".");
  const obj = (
    typeof config[top!] === "object" && config[top!] !== null ? { ...(config[top!] as object) } : {}
  ) as Record<string, unknown>;
  let cur = obj;
  for (const part of rest.slice(0, -1)) {
    cur[part] =
      typeof cur[part] === "object" && cur[part] !== null ? { ...(cur[part] as object) } : {};
    cur = cur[part] as Record<string, unknown>;
  }
  if (value === undefined) {
    delete cur[rest[rest.length - 1]!];
  } else {
    cur[rest[rest.length - 1]!] = value;
  }
  config[top!] = obj;
}

async function evaluateStack(
  cache: CiCache,
  root: string,
  stack: string,
  config: Record<string, unknown>,
  world: BootstrapWorld,
  principalId: string,
  /**
   * A preview only needs the program's invokes, policy view and kubeconfig, none of which depend on who
   * signs in: reuse an evaluation of the same stack and config made for another identity.
   */
  anyPrincipal: boolean,
): Promise<Evaluation> {
  const prefix = JSON.stringify([stack, config]);
  const key = `${prefix}|${principalId}`;
  let cached =
    cache.stacks.get(key) ??
    (anyPrincipal
      ? [...cache.stacks.entries()].find(([k]) => k.startsWith(`${prefix}|`))?.[1]
      : undefined);
  if (cached === undefined) {
    // Evaluations share the Pulumi runtime: run them one after the other.
    const previous = [...cache.stacks.values()];
    cached = (async () => {
      await Promise.allSettled(previous);
      return evaluateProgram({
        config,
        stack,
        load: async () => freshRequire(path.join(root, "infra", "index.ts")),
        cloud: {
          tenantId: world.tenantId,
          subscriptionId: world.subscriptionId,
          deployerObjectId: principalId,
        },
      });
    })();
    cache.stacks.set(key, cached);
  }
  return cached;
}

function stackConfigFile(
  cache: CiCache,
  root: string,
  stack: string,
): Record<string, unknown> | undefined {
  const file = path.join(root, `Pulumi.${stack}.yaml`);
  if (!cache.stackConfigs.has(file)) {
    // Read once per run of the chain: every job that runs pulumi on this stack starts from it.
    const doc = fs.existsSync(file)
      ? (parse(fs.readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null)
      : undefined;
    cache.stackConfigs.set(file, doc === undefined ? undefined : { ...(doc?.config ?? {}) });
  }
  const config = cache.stackConfigs.get(file);
  return config === undefined ? undefined : structuredClone(config);
}

const OPERATION: Record<PulumiInvocation["command"], Operation> = {
  up: "write",
  preview: "read",
  destroy: "delete",
  refresh: "read",
};

/** Runs the chain for one workflow file. */
export async function runCiChain(file: string, options: CiOptions = {}): Promise<CiReport> {
  const started = performance.now();
  const root = options.root ?? ROOT;
  const cache = options.cache ?? newCiCache();
  const text = fs.readFileSync(file, "utf8");
  const workflow = readWorkflow(text, displayPath(file, root));
  const findings: CiFinding[] = [];
  const jobs: JobRunReport[] = [];
  const wf = path.basename(file).replace(/\.ya?ml$/, "");
  for (const u of workflow.unpinned) {
    findings.push({
      code: "GH-UNPINNED-ACTION",
      workflow: wf,
      job: u.job,
      step: u.step,
      message: `${u.uses} is not pinned by full commit SHA: a moved tag runs different code with the job's id-token and Azure rights.`,
      fix: `Pin it: uses: ${u.uses.split("@")[0]}@<40-hex commit SHA> # <tag> (GitHub, "Security hardening for GitHub Actions").`,
    });
  }
  const azureJobs = workflow.jobs.filter(signsInToAzure);
  if (azureJobs.length > 0) {
    cache.bootstrap ??= evaluateBootstrap(options.bootstrapConfig);
    const world = await cache.bootstrap;
    cache.exchanger ??= startExchanger(
      world.tenantId,
      world.identities,
      world.credentials,
      options.keys,
    );
    const exchanger = await cache.exchanger;
    for (const event of unmodelledEvents(workflow)) {
      findings.push({
        code: "GH-TRIGGER-UNMODELLED",
        workflow: wf,
        message: `on: ${event} starts jobs that sign in to Azure (${azureJobs.map((j) => j.id).join(", ")}), and this simulation does not derive the OIDC subject GitHub issues for ${event}, so their chain is unproven.`,
        fix: "Deploy from push, pull_request, workflow_dispatch or schedule, or check the subject for this event by hand (docs.github.com, OpenID Connect reference).",
      });
    }
    for (const job of azureJobs) {
      for (const run of workflowRuns(workflow)) {
        const report = await runJob(workflow, wf, job, run, world, exchanger, cache, root, options);
        jobs.push(report.job);
        findings.push(...report.findings);
      }
    }
  }
  return {
    workflow: wf,
    file: workflow.file,
    jobs,
    findings: dedupe(findings),
    ms: Math.round(performance.now() - started),
  };
}

function dedupe(findings: CiFinding[]): CiFinding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.code}|${f.job ?? ""}|${f.step ?? ""}|${f.message}`;
    if (seen.has(key)) {
      return false;
    }
    seen.add(key);
    return true;
  });
}

async function runJob(
  workflow: WorkflowInfo,
  wf: string,
  job: JobInfo,
  run: WorkflowRun,
  world: BootstrapWorld,
  exchanger: TokenExchanger,
  cache: CiCache,
  root: string,
  options: CiOptions,
): Promise<{ job: JobRunReport; findings: CiFinding[] }> {
  const findings: CiFinding[] = [];
  const chain: string[] = [];
  const finding = (code: string, message: string, fix: string, step?: StepInfo) =>
    findings.push({
      code,
      workflow: wf,
      job: job.id,
      run: run.label,
      step: step?.name,
      message,
      fix,
    });
  const done = (extra: Partial<JobRunReport> = {}) => ({
    job: { job: job.id, run: run.label, chain, ok: findings.length === 0, ...extra },
    findings,
  });

  // 1. The job's environment and variables.
  const baseCtx = runContext(workflow, run, world.repository, world.variables);
  const environment = jobEnvironment(job, baseCtx);
  if (environment === null) {
    finding(
      "GH-ENVIRONMENT-UNKNOWN",
      `The job's environment ${JSON.stringify(job.environment)} cannot be evaluated offline, so its OIDC subject is unknown.`,
      "Use a literal environment name or vars.<NAME> || '<default>'.",
    );
    return done();
  }
  const vars = {
    ...world.variables,
    ...(environment ? (world.environmentVariables[environment] ?? {}) : {}),
  };
  const ctx = { ...baseCtx, vars };

  // 2. GitHub's OIDC token.
  if (!job.idTokenWrite) {
    const from =
      job.permissionsFrom === "job"
        ? "the job's permissions block"
        : job.permissionsFrom === "workflow"
          ? "the workflow's permissions block (the job has none of its own)"
          : "the repository's default permissions (no permissions block)";
    finding(
      "GH-ID-TOKEN-MISSING",
      `${job.id} signs in to Azure through OIDC but ${from} does not grant id-token: write: GitHub issues no OIDC token, so azure/login, azure-native and kubelogin all fail.`,
      `Add \`permissions: { contents: read, id-token: write }\` to job ${job.id} (a job-level block replaces the workflow's, so list every permission the job needs).`,
    );
    return done();
  }
  const claims = tokenClaims(world.repository, run, environment);
  chain.push(`GitHub OIDC token: sub ${claims.sub}`);

  // 3. The exchange for the identity the job names.
  const login = job.azureLogins[0];
  for (const l of job.azureLogins.filter((x) => x.usesSecret)) {
    finding(
      "GH-STORED-SECRET",
      `${l.step.name} signs in with a stored secret (creds / client-secret) instead of OIDC.`,
      "Remove the secret input; azure/login with client-id, tenant-id and subscription-id uses OIDC.",
      l.step,
    );
  }
  const clientRaw = login?.clientId ?? job.env.ARM_CLIENT_ID ?? job.env.AZURE_CLIENT_ID ?? "";
  const tenantRaw = login?.tenantId ?? job.env.ARM_TENANT_ID ?? job.env.AZURE_TENANT_ID ?? "";
  const clientId = interpolate(clientRaw, ctx) ?? "";
  const tenantId = interpolate(tenantRaw, ctx) ?? "";
  if (clientId === "" || tenantId === "") {
    finding(
      "GH-CLIENT-ID-MISSING",
      `${job.id} names no ${clientId === "" ? "client id" : "tenant id"} (${JSON.stringify(clientId === "" ? clientRaw : tenantRaw)} is empty with the variables bootstrap/ prints).`,
      "Pass client-id / tenant-id from the repository variables the bootstrap prints (vars.AZURE_CLIENT_ID, vars.AZURE_TENANT_ID).",
      login?.step,
    );
    return done({ subject: claims.sub });
  }
  // azure/login's `audience` input changes the aud of the token it requests (action.yml, default
  // api://AzureADTokenExchange); azure-native and kubelogin always request the default.
  const loginAudience =
    login?.audience !== undefined ? (interpolate(login.audience, ctx) ?? "") : "";
  const exchanged = await exchanger.exchange(
    tenantId,
    clientId,
    loginAudience !== "" ? { ...claims, aud: loginAudience } : claims,
  );
  const callerFor = (identity: DeployerIdentity): Caller => ({
    name: identity.name,
    principalId: identity.principalId,
    clientId: identity.clientId,
    assignments: world.roleAssignments.filter((a) =>
      guidsEqual(a.principalId, identity.principalId),
    ),
    customRoles: world.customRoles,
  });
  const named = world.identities.find((i) => guidsEqual(i.clientId, clientId));
  const entra = entraError(exchanged.code, exchanged.message);
  if (!exchanged.ok || exchanged.identity === undefined) {
    const subjects = world.credentials
      .filter((c) => named && armIdsEqual(c.identityResourceId, named.resourceId))
      .map((c) => c.subject);
    const writes = named !== undefined ? writeRights(callerFor(named)) : [];
    if (run.event === "pull_request" && writes.length > 0) {
      finding(
        "PR-WRITE-IDENTITY",
        `${run.label}: ${job.id} signs in as ${named!.name}, the identity with write rights (${writes[0]}), ` +
          `and Entra rejects it (${entra}). A pull_request run executes the workflow as the PR wrote it, so ` +
          `previews must never use the write identity.`,
        "Sign in with the read-only previewer (its client id is the AZURE_PREVIEW_CLIENT_ID variable the bootstrap prints; subject pull_request).",
        login?.step,
      );
      return done({ subject: claims.sub });
    }
    finding(
      "OIDC-EXCHANGE-FAILED",
      `${run.label}: Entra rejects ${job.id}'s token (sub ${claims.sub}) for client ${clientId}: ${entra}` +
        (subjects.length > 0 ? ` The identity trusts only: ${subjects.join(", ")}.` : ""),
      named === undefined
        ? `Use a client id the bootstrap created (${world.identities.map((i) => `${i.name} ${i.clientId}`).join(", ")}), from the variables it prints.`
        : exchanged.code === 700212
          ? `Remove azure/login's audience input: the federated credentials accept only ${GITHUB_AUDIENCE}.`
          : exchanged.code === 7002138
            ? `Match the case exactly: federated credential subjects are compared case-sensitively (${claims.sub}).`
            : exchanged.code === 90002
              ? `Use the tenant id the bootstrap printed (AZURE_TENANT_ID = ${world.tenantId}).`
              : fixForSubject(claims.sub, environment, run),
      login?.step,
    );
    return done({ subject: claims.sub });
  }
  const identity = exchanged.identity;
  chain.push(`Entra: token for ${identity.name} (client ${identity.clientId})`);
  const signedIn = new Map<string, DeployerIdentity>([[identity.clientId.toLowerCase(), identity]]);
  /** A second sign-in of the job (azure-native's ARM_CLIENT_ID, kubelogin's AZURE_CLIENT_ID). */
  const signInAs = async (
    client: string,
    who: string,
    step: StepInfo,
  ): Promise<DeployerIdentity | undefined> => {
    const known = signedIn.get(client.toLowerCase());
    if (known !== undefined) {
      return known;
    }
    const r = await exchanger.exchange(tenantId, client, claims);
    if (!r.ok || r.identity === undefined) {
      finding(
        "OIDC-EXCHANGE-FAILED",
        `${run.label}: ${who} signs in as client ${client || "(empty)"} with sub ${claims.sub}, and Entra rejects it: ${entraError(r.code, r.message)}`,
        `Give ${who} the same client id as azure/login (${clientId}), or federate ${claims.sub} on the identity it names.`,
        step,
      );
      return undefined;
    }
    signedIn.set(client.toLowerCase(), r.identity);
    chain.push(`Entra: token for ${r.identity.name} (${who})`);
    return r.identity;
  };

  // 4. Each pulumi invocation, in step order; a failed step ends the job.
  const kubeloginVersion = job.kubelogin?.version;
  for (const inv of job.pulumi) {
    const env = stepEnv(job, inv.step, ctx);
    // `org/project/stack` names a stack by its last segment (its Pulumi.<stack>.yaml).
    const stack =
      (expandShell(interpolate(inv.stack ?? "", ctx) ?? "", env)
        .split("/")
        .pop() ??
        "") ||
      env.PULUMI_STACK ||
      "dev";
    const base = stackConfigFile(cache, root, stack);
    if (base === undefined) {
      finding(
        "PULUMI-STACK-MISSING",
        `${inv.step.name}: there is no Pulumi.${stack}.yaml for stack ${stack}.`,
        `Commit Pulumi.${stack}.yaml.`,
        inv.step,
      );
      return done({ subject: claims.sub, identity: identity.name });
    }
    const config = structuredClone(base);
    for (const set of job.configSets.filter((c) => c.step.index <= inv.step.index)) {
      setConfig(
        config,
        expandShell(set.key, stepEnv(job, set.step, ctx)),
        set.value === undefined ? undefined : expandShell(set.value, stepEnv(job, set.step, ctx)),
        set.path,
      );
    }
    // azure-native signs in with ARM_CLIENT_ID when ARM_USE_OIDC is set (provider auth, OIDC), else
    // through the Azure CLI session azure/login made.
    const armClient =
      env.ARM_USE_OIDC === "true" && (env.ARM_CLIENT_ID ?? "") !== ""
        ? env.ARM_CLIENT_ID!
        : clientId;
    const armIdentity = await signInAs(armClient, "azure-native (ARM_CLIENT_ID)", inv.step);
    if (armIdentity === undefined) {
      return done({ subject: claims.sub, identity: identity.name });
    }
    const caller = callerFor(armIdentity);
    let evaluation: Evaluation;
    try {
      evaluation = await evaluateStack(
        cache,
        root,
        stack,
        config,
        world,
        armIdentity.principalId,
        inv.command === "preview",
      );
    } catch (err) {
      finding(
        "PULUMI-PROGRAM-FAILED",
        `${inv.step.name}: the program fails with the workflow's config: ${(err as Error).message}`,
        "Fix the stack config the workflow produces (Pulumi.<stack>.yaml plus its pulumi config set calls).",
        inv.step,
      );
      return done({ subject: claims.sub, identity: identity.name });
    }
    const resources = evaluation.resources;
    const label = `pulumi ${inv.command}${inv.expectNoChanges ? " --expect-no-changes" : ""}`;

    if (run.event === "pull_request" && inv.command !== "preview") {
      finding(
        "PR-RUNS-UPDATE",
        `${label} runs on pull_request: the PR's own workflow file would change Azure before review.`,
        "Only preview on pull_request; deploy from main or a protected environment.",
        inv.step,
      );
    }
    if (run.event === "pull_request") {
      const writable = writeRights(caller);
      if (writable.length > 0) {
        finding(
          "PR-WRITE-IDENTITY",
          `${run.label}: ${job.id} signs in as ${armIdentity.name}, which holds write rights (${writable.join("; ")}). pull_request runs the workflow as the PR wrote it, so anyone who can push a branch gets those rights before review.`,
          "Give previews their own identity with read-only rights, federated only for pull_request; keep write rights on an identity federated only for main / a protected environment.",
          inv.step,
        );
        return done({ subject: claims.sub, identity: identity.name });
      }
    }

    // 4a. The policy pack as invoked.
    if (inv.policyPacks.length > 0) {
      const configFile =
        inv.policyPackConfigs[0] !== undefined
          ? expandShell(interpolate(inv.policyPackConfigs[0], ctx) ?? "", env)
          : undefined;
      const policy = evaluatePackAsInvoked(resources, configFile, root);
      if (policy.error !== undefined) {
        finding(
          "POLICY-CONFIG-MISSING",
          `${label}: ${policy.error}`,
          "Commit the pack config file the workflow passes, or fix its path.",
          inv.step,
        );
        return done({ subject: claims.sub, identity: identity.name });
      }
      const mandatory = policy.violations.filter((v) => v.level === "mandatory");
      chain.push(
        `policy pack ${configFile !== undefined ? `with ${configFile}` : "without --policy-pack-config"}: ${mandatory.length} mandatory violation(s)`,
      );
      if (mandatory.length > 0) {
        const v = mandatory[0]!;
        finding(
          "POLICY-GATE",
          `${label} --policy-pack ${inv.policyPacks.join(",")}${configFile ? ` --policy-pack-config ${configFile}` : " (no --policy-pack-config)"} fails: [mandatory] ${v.policy}: ${v.message}${mandatory.length > 1 ? ` (+${mandatory.length - 1} more)` : ""}`,
          configFile === undefined
            ? "Pass --policy-pack-config policies/config.<stack>.json: without it CrossGuard gives no policy the stack's environment, so prod levels apply."
            : `Fix the resource, or give ${v.policy} the stack's environment in ${configFile}.`,
          inv.step,
        );
        return done({ subject: claims.sub, identity: identity.name });
      }
    }

    // 4b. ARM.
    const operation = OPERATION[inv.command];
    const ordered = schedule(resources).map((s) => s.resource);
    const armChecks = checkArmOperations(
      caller,
      inv.command === "destroy" ? [...ordered].reverse() : ordered,
      evaluation.cloud.invokes,
      {
        operation,
        registeredProviders: inv.command === "up" ? world.registeredProviders : ["*all*"],
        subscriptionId: world.subscriptionId,
      },
    );
    const denied = armChecks.find(
      (c) =>
        !c.allowed && (inv.command === "up" || c.error?.code !== "MissingSubscriptionRegistration"),
    );
    chain.push(
      `ARM (${label}): ${armChecks.filter((c) => c.allowed).length}/${armChecks.length} operations authorized`,
    );
    if (denied !== undefined) {
      finding(
        denied.error!.code === "MissingSubscriptionRegistration"
          ? "ARM-PROVIDER-UNREGISTERED"
          : denied.error!.message.includes("condition") || denied.error!.fix.includes("ABAC")
            ? "ARM-ABAC-FORBIDS"
            : denied.action.toLowerCase() ===
                "microsoft.resources/subscriptions/resourcegroups/write"
              ? "ARM-RESOURCE-GROUP"
              : "ARM-AUTHORIZATION-FAILED",
        `${label} fails at ${denied.resource} (${denied.type}): ${denied.error!.message}`,
        denied.error!.fix,
        inv.step,
      );
      return done({ subject: claims.sub, identity: identity.name });
    }

    // 4c. kubelogin and the Kubernetes API.
    const providers = resources.filter(
      (r) => r.type === "pulumi:providers:kubernetes" && typeof r.inputs.kubeconfig === "string",
    );
    const k8sResources = resources.filter((r) => r.custom && r.type.startsWith("kubernetes:"));
    if (providers.length > 0 && k8sResources.length > 0) {
      if (kubeloginVersion === undefined || job.kubelogin!.step.index > inv.step.index) {
        finding(
          "KUBELOGIN-NOT-INSTALLED",
          `${label}: the Kubernetes provider runs kubelogin, but the job installs none ("exec: kubelogin: executable file not found in $PATH", Azure/azure-dev#3394).`,
          "Add azure/use-kubelogin (pinned by SHA) with kubelogin-version before the pulumi step.",
          inv.step,
        );
        return done({ subject: claims.sub, identity: identity.name });
      }
      const args = execArgs(String(providers[0]!.inputs.kubeconfig));
      const azureCliSignedIn = job.azureLogins.some((l) => l.step.index < inv.step.index);
      const kl = checkKubelogin(kubeloginVersion, args, env, { azureCliSignedIn });
      if (!kl.ok) {
        finding(
          "KUBELOGIN-FAILS",
          `${label}: every Kubernetes operation fails: kubelogin ${kl.version} -l ${kl.mode}: ${kl.error}`,
          kl.fix ?? "",
          inv.step,
        );
        return done({ subject: claims.sub, identity: identity.name });
      }
      chain.push(`kubelogin ${kl.version} -l ${kl.mode}: starts`);
      // kubelogin -l workloadidentity signs in as AZURE_CLIENT_ID (set, it wins over --client-id).
      const flagAt = args.indexOf("--client-id");
      const kubeClient =
        kl.mode !== "workloadidentity"
          ? armIdentity.clientId
          : (env.AZURE_CLIENT_ID ??
            env.AAD_SERVICE_PRINCIPAL_CLIENT_ID ??
            (flagAt >= 0 ? args[flagAt + 1] : undefined) ??
            "");
      const kubeIdentity = await signInAs(kubeClient, "kubelogin (AZURE_CLIENT_ID)", inv.step);
      if (kubeIdentity === undefined) {
        return done({ subject: claims.sub, identity: identity.name });
      }
      const kubeCaller = callerFor(kubeIdentity);
      if (inv.command === "preview") {
        // A preview never fails on Kubernetes RBAC: Create in preview turns a 403 of the server-side dry
        // run into a client-side preview ("unable to compute Server-side dry-run and defaulting to
        // client-side"), and Diff ignores errors of the live read replaceUnready does
        // (pulumi/pulumi-kubernetes provider/pkg/provider/provider.go, Create and Diff).
        chain.push(
          "Kubernetes API (preview): 403 on a dry run falls back to a client-side preview",
        );
        continue;
      }
      const cluster = resources.find(
        (r) => r.type === "azure-native:containerservice:ManagedCluster",
      );
      const delay = options.propagationDelayMs ?? DEFAULT_AKS_RBAC_PROPAGATION_MS;
      const scheduled = schedule(resources);
      const endOf = new Map(scheduled.map((s) => [s.resource.urn, s.endMs]));
      const firstDeploy = inv.command === "up";
      const assignments: DataPlaneAssignment[] = [
        ...kubeCaller.assignments.map((a) => ({
          ...a,
          effectiveAtMs: -Infinity,
          source: `${a.name} (bootstrap)`,
        })),
        ...resources
          .filter((r) => r.custom && r.type === "azure-native:authorization:RoleAssignment")
          .filter((r) => guidsEqual(String(r.inputs.principalId ?? ""), kubeIdentity.principalId))
          .map((r) => ({
            principalId: kubeIdentity.principalId,
            roleDefinitionId: String(r.inputs.roleDefinitionId ?? ""),
            scope: String(r.inputs.scope ?? ""),
            effectiveAtMs: firstDeploy ? (endOf.get(r.urn) ?? 0) + delay : -Infinity,
            source: `${r.name} (made by this pulumi up)`,
          })),
      ];
      // A readiness gate (components/clusterAccessGate.ts) holds back what depends on it until the
      // caller is authorized, or fails at its bound.
      const gateOpts = {
        principalId: kubeIdentity.principalId,
        clusterId: cluster?.id ?? "",
        assignments,
        customRoles: world.customRoles,
      };
      const timedOut: string[] = [];
      const gated = schedule(resources, {
        waitMs: (r, startMs) => {
          if (!firstDeploy || !isAccessGate(r)) {
            return 0;
          }
          const w = gateWait(r, startMs, gateOpts);
          if (w.timedOut) {
            timedOut.push(r.name);
          }
          return w.waitMs;
        },
      });
      if (timedOut.length > 0) {
        finding(
          "K8S-GATE-TIMEOUT",
          `${label} fails at ${timedOut[0]}: the cluster access gate is still not authorized after its ${String(resources.find((r) => r.name === timedOut[0])!.inputs.timeoutSeconds)} s bound (the deployer's AKS RBAC assignment has not propagated, or grants nothing on the cluster).`,
          "Make the deployer's AKS RBAC assignment ahead of time (bootstrap/, a scope covering the cluster), or raise the gate's timeoutSeconds.",
          inv.step,
        );
        return done({ subject: claims.sub, identity: identity.name });
      }
      const applied = applyKubernetes(gated, {
        principalId: kubeIdentity.principalId,
        userName: kubeIdentity.principalId,
        clusterId: cluster?.id ?? "",
        assignments,
        customRoles: world.customRoles,
        verb: inv.command === "destroy" ? "delete" : "write",
        dryRun: false,
      });
      chain.push(
        `Kubernetes API: ${applied.requests.filter((r) => r.outcome === "ok").length}/${applied.requests.length} requests allowed`,
      );
      const k8sFailure = applied.findings[0];
      if (k8sFailure !== undefined) {
        finding(k8sFailure.code, k8sFailure.message, k8sFailure.fix, inv.step);
        return done({ subject: claims.sub, identity: identity.name });
      }
      if (inv.command === "up") {
        const job0 = jobsWithoutReplaceUnready(resources)[0];
        if (job0 !== undefined) {
          finding(job0.code, job0.message, job0.fix, inv.step);
        }
      }
    }
  }

  // 5. Purging a soft-deleted vault with the Azure CLI (destroy.yml): a subscription-level action on
  // the deleted vault (https://learn.microsoft.com/azure/key-vault/general/key-vault-recovery,
  // "Microsoft.KeyVault/locations/deletedVaults/purge/action").
  for (const step of job.steps.filter((x) => /\baz keyvault purge\b/.test(x.run ?? ""))) {
    // Any region and vault name: only the subscription prefix decides which assignments cover it.
    const scope = `/subscriptions/${world.subscriptionId}/providers/Microsoft.KeyVault/locations/any/deletedVaults/any`;
    const action = "Microsoft.KeyVault/locations/deletedVaults/purge/action";
    if (!authorize(callerFor(identity), action, scope).allowed) {
      finding(
        "ARM-AUTHORIZATION-FAILED",
        `${step.name}: az keyvault purge fails: AuthorizationFailed: ${identity.name} may not perform '${action}' at the subscription (deleted vaults are subscription-level resources).`,
        "Set zerocred-bootstrap:allowVaultPurge: true (a custom role with only the purge actions, at the subscription), or purge by hand.",
        step,
      );
    } else {
      chain.push(`az keyvault purge: ${action} authorized`);
    }
  }

  // 6. kubelogin outside Pulumi (e.g. `kubelogin convert-kubeconfig -l workloadidentity` + kubectl).
  for (const k of job.kubeloginModes) {
    const env = stepEnv(job, k.step, ctx);
    const kl = checkKubelogin(
      kubeloginVersion ?? "none",
      ["get-token", "--login", k.mode, "--server-id", AKS_SERVER_ID],
      env,
      {
        azureCliSignedIn: job.azureLogins.some((l) => l.step.index < k.step.index),
      },
    );
    if (!kl.ok) {
      finding(
        "KUBELOGIN-FAILS",
        `${k.step.name}: kubectl's kubelogin ${kl.version} -l ${kl.mode} fails: ${kl.error}`,
        kl.fix ?? "",
        k.step,
      );
    }
  }
  return done({ subject: claims.sub, identity: identity.name });
}

/** Entra's error line: its description already starts with `AADSTS<code>:`. */
function entraError(code: number | undefined, message: string | undefined): string {
  const m = message ?? "";
  return m.startsWith("AADSTS") ? m : `AADSTS${code ?? "?"}: ${m}`;
}

function fixForSubject(sub: string, environment: string | undefined, run: WorkflowRun): string {
  if (environment !== undefined) {
    return `Add "${environment}" to zerocred-bootstrap:github.environments and run the bootstrap again (a job with an environment always presents ${sub}).`;
  }
  if (run.event === "pull_request") {
    return "Set zerocred-bootstrap:github.pullRequests: true on the identity the job names, and run the bootstrap again.";
  }
  const branch = run.ref.replace(/^refs\/(heads|tags)\//, "");
  return run.ref.startsWith("refs/tags/")
    ? `Federate the tag subject ${sub} in bootstrap/, or deploy from a protected environment instead.`
    : `Add "${branch}" to zerocred-bootstrap:github.branches (subject ${sub}), or give the job a protected environment that bootstrap federates.`;
}
