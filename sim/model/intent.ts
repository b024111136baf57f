/**
 * Intent: what each principal SHOULD read, from the user, never from the grants under test.
 *
 * Three sources, in precedence order:
 * 1. declared — the program's `expectedAccess` export (components/intent.ts), matched EXACTLY by
 *    vault + secret + principal, validated like config (an unknown principal, vault or secret stops
 *    the run, listing what exists);
 * 2. inferred — the application's own configuration: a pod template's env var (plain, or from a
 *    ConfigMap the program declares) whose VALUE is a vault URI or a vault name, with a secret
 *    name beside it; a VM's customData/userData or run-command script naming a vault;
 * 3. derived — from the role assignments (in the plan, when neither of the above speaks).
 * The deployed verifiers' own parameters (zerocred's pod verifier Job env, VM verifier run-command
 * parameters) are a fourth input: the simulation runs each verifier with exactly them and reports
 * where they disagree with the declared or inferred intent.
 */
import { describePrincipal, type IntendedPrincipal } from "../../components/intent";
import type { DeploymentModel, PodTemplateModel, SecretModel, VaultModel } from "../model";

/** A declared expectation the program got wrong: exit 2, like invalid config. */
export class IntentError extends Error {
  constructor(readonly issues: readonly string[]) {
    super(`Invalid expectedAccess:\n${issues.map((i) => `  - ${i}`).join("\n")}`);
    this.name = "IntentError";
  }
}

/** A principal the plan can test, as intent sees it. */
export interface IntentSubject {
  readonly via: "vm" | "workload";
  readonly vmName?: string;
  readonly identityKind?: "system" | "user";
  readonly identityName?: string;
  readonly identityClientId?: string;
  readonly pod?: {
    readonly cluster?: string;
    readonly namespace: string;
    readonly serviceAccount: string;
    readonly kind: string;
    readonly name: string;
  };
}

export type IntentSource = "declared" | "inferred" | "verifier";

export interface IntentRule {
  readonly expected: "allow" | "deny";
  readonly source: IntentSource;
  /** Where it comes from: `expectedAccess[2]`, `env KEYVAULT_URL of Deployment shop/orders`, … */
  readonly from: string;
  readonly vault: VaultModel;
  readonly secret: SecretModel;
  readonly matches: (s: IntentSubject) => boolean;
}

/** A deployed verifier whose target is not in the program: `pulumi up` fails at it. */
export interface VerifierProblem {
  readonly verifier: string;
  readonly message: string;
  readonly fix: string;
}

function eqi(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a.toLowerCase() === b.toLowerCase();
}

const VAULT_URI =
  /https:\/\/([a-z0-9-]{3,24})\.vault\.azure\.net(?::443)?\/?(?:secrets\/([A-Za-z0-9-]{1,127}))?/gi;

/** The vaults a text names by URI (`https://kv1.vault.azure.net/…`), with a secret when the URI has one. */
export function vaultUrisIn(text: string): { vault: string; secret?: string }[] {
  const out: { vault: string; secret?: string }[] = [];
  for (const m of text.matchAll(VAULT_URI)) {
    out.push({ vault: m[1]!, ...(m[2] !== undefined ? { secret: m[2] } : {}) });
  }
  return out;
}

function vaultByUrl(model: DeploymentModel, url: string): VaultModel | undefined {
  const norm = (u: string) => u.toLowerCase().replace(/\/+$/, "");
  const byUri = model.vaults.find(
    (v) => v.vaultUri !== undefined && norm(v.vaultUri) === norm(url),
  );
  if (byUri !== undefined) {
    return byUri;
  }
  const named = vaultUrisIn(url)[0];
  return named === undefined ? undefined : model.vaults.find((v) => eqi(v.name, named.vault));
}

function secretIn(vault: VaultModel, name: string | undefined): SecretModel | undefined {
  return name === undefined ? undefined : vault.secrets.find((s) => s.name === name);
}

function podLabel(p: { kind: string; namespace: string; name: string }): string {
  return `${p.kind} ${p.namespace}/${p.name}`;
}

function samePod(pod: PodTemplateModel): (s: IntentSubject) => boolean {
  return (s) =>
    s.pod !== undefined &&
    s.pod.kind === pod.kind &&
    s.pod.name === pod.name &&
    s.pod.namespace === pod.namespace &&
    s.pod.cluster === pod.cluster;
}

// ---------------------------------------------------------------------------------------------
// declared

interface RawEntry {
  principal: IntendedPrincipal;
  vault?: string;
  secret: string;
  expected: "allow" | "deny";
  /** zerocred's own stack (infra/access.ts): identity names are `<prefix>-<stack>-<name>`. */
  legacyIdentity?: boolean;
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === "object" && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}
function text(v: unknown): string | undefined {
  return typeof v === "string" && v.length > 0 ? v : undefined;
}

/** One entry: the components/intent.ts shape, or infra/access.ts' labelled rows. */
function parseEntry(raw: unknown, index: number, issues: string[]): RawEntry | undefined {
  const o = asRecord(raw);
  const where = `expectedAccess[${index}]`;
  if (o === undefined) {
    issues.push(
      `${where} is not an object: use expectAccess(principal, { vault, secret }, "allow" | "deny")`,
    );
    return undefined;
  }
  const expected = o.expected;
  const secret = text(o.secret);
  if (expected !== "allow" && expected !== "deny") {
    issues.push(`${where}.expected is ${JSON.stringify(expected)}: use "allow" or "deny"`);
    return undefined;
  }
  if (secret === undefined) {
    issues.push(`${where} has no secret: name the secret it is about`);
    return undefined;
  }
  const vault = text(o.vault);
  const p = asRecord(o.principal);
  if (p !== undefined) {
    const kind = p.kind;
    if (kind === "vm-system") {
      return {
        principal: { kind, ...(text(p.vm) ? { vm: text(p.vm)! } : {}) },
        vault,
        secret,
        expected,
      };
    }
    if (kind === "identity" && text(p.identity) !== undefined) {
      return {
        principal: {
          kind,
          identity: text(p.identity)!,
          ...(text(p.vm) ? { vm: text(p.vm)! } : {}),
        },
        vault,
        secret,
        expected,
      };
    }
    if (
      kind === "workload" &&
      text(p.namespace) !== undefined &&
      text(p.serviceAccount) !== undefined
    ) {
      return {
        principal: {
          kind,
          namespace: text(p.namespace)!,
          serviceAccount: text(p.serviceAccount)!,
          ...(text(p.cluster) ? { cluster: text(p.cluster)! } : {}),
        },
        vault,
        secret,
        expected,
      };
    }
    issues.push(
      `${where}.principal ${JSON.stringify(p)} is not vmIdentity(vm?), identity(name, vm?) or workload(namespace, serviceAccount, cluster?)`,
    );
    return undefined;
  }
  // infra/access.ts rows: { principal: "vm" | "vm.<identity>" | "pod.<workload>", via, identity, namespace?, serviceAccount? }
  const via = o.via;
  const identity = text(o.identity);
  if (via === "vm" && identity === "vm") {
    return { principal: { kind: "vm-system" }, vault, secret, expected };
  }
  if (via === "vm" && identity !== undefined) {
    return {
      principal: { kind: "identity", identity },
      vault,
      secret,
      expected,
      legacyIdentity: true,
    };
  }
  if (
    via === "workload" &&
    text(o.namespace) !== undefined &&
    text(o.serviceAccount) !== undefined
  ) {
    return {
      principal: {
        kind: "workload",
        namespace: text(o.namespace)!,
        serviceAccount: text(o.serviceAccount)!,
      },
      vault,
      secret,
      expected,
    };
  }
  issues.push(
    `${where} names no principal: set principal to vmIdentity(vm?), identity(name, vm?) or workload(namespace, serviceAccount)`,
  );
  return undefined;
}

function principalMatcher(e: RawEntry): (s: IntentSubject) => boolean {
  const p = e.principal;
  switch (p.kind) {
    case "vm-system":
      return (s) =>
        s.via === "vm" &&
        s.identityKind === "system" &&
        (p.vm === undefined || eqi(s.vmName, p.vm));
    case "identity":
      return (s) =>
        s.via === "vm" &&
        s.identityKind === "user" &&
        (eqi(s.identityName, p.identity) ||
          (e.legacyIdentity === true &&
            (s.identityName ?? "").toLowerCase().endsWith(`-${p.identity.toLowerCase()}`))) &&
        (p.vm === undefined || eqi(s.vmName, p.vm));
    case "workload":
      return (s) =>
        s.pod !== undefined &&
        s.pod.namespace === p.namespace &&
        s.pod.serviceAccount === p.serviceAccount &&
        (p.cluster === undefined || eqi(s.pod.cluster, p.cluster));
  }
}

function existingPrincipals(
  kind: IntendedPrincipal["kind"],
  subjects: readonly IntentSubject[],
): string {
  const names = new Set<string>();
  for (const s of subjects) {
    if (kind === "vm-system" && s.via === "vm" && s.identityKind === "system") {
      names.add(`vmIdentity(${JSON.stringify(s.vmName)})`);
    } else if (kind === "identity" && s.via === "vm" && s.identityKind === "user") {
      names.add(`identity(${JSON.stringify(s.identityName)}) on VM ${s.vmName}`);
    } else if (kind === "workload" && s.pod !== undefined) {
      names.add(
        `workload(${JSON.stringify(s.pod.namespace)}, ${JSON.stringify(s.pod.serviceAccount)})${s.pod.cluster !== undefined ? ` on ${s.pod.cluster}` : ""}`,
      );
    }
  }
  return names.size > 0 ? [...names].sort().join(", ") : "none";
}

/**
 * The program's `expectedAccess`, validated against the model: every entry must name a vault,
 * a secret in it and a principal that exist. Returns undefined when there is no export.
 */
export function declaredIntent(
  model: DeploymentModel,
  raw: unknown,
  subjects: readonly IntentSubject[],
): IntentRule[] | undefined {
  if (raw === undefined || raw === null) {
    return undefined;
  }
  if (!Array.isArray(raw)) {
    throw new IntentError([
      `the expectedAccess export is not an array: export a list of expectAccess(...) entries`,
    ]);
  }
  const issues: string[] = [];
  const rules: IntentRule[] = [];
  const vaults = model.vaults.map((v) => v.name).join(", ") || "none";
  raw.forEach((item, index) => {
    const e = parseEntry(item, index, issues);
    if (e === undefined) {
      return;
    }
    const where = `expectedAccess[${index}]`;
    let vault: VaultModel | undefined;
    if (e.vault === undefined) {
      if (model.vaults.length !== 1) {
        issues.push(
          `${where} names no vault and the program declares ${model.vaults.length} (${vaults}): add vault`,
        );
        return;
      }
      vault = model.vaults[0]!;
    } else {
      vault = model.vaults.find((v) => eqi(v.name, e.vault));
      if (vault === undefined) {
        issues.push(
          `${where}: vault ${JSON.stringify(e.vault)} is not in the program; its vaults: ${vaults}`,
        );
        return;
      }
    }
    const secret = secretIn(vault, e.secret);
    if (secret === undefined) {
      issues.push(
        `${where}: vault ${vault.name} has no secret ${JSON.stringify(e.secret)}; its secrets: ${vault.secrets.map((s) => s.name).join(", ") || "none"}`,
      );
      return;
    }
    if (e.principal.kind === "vm-system" && e.principal.vm === undefined && model.vms.length > 1) {
      issues.push(
        `${where}: vmIdentity() without a VM name, but the program declares ${model.vms.length} VMs (${model.vms.map((v) => v.name).join(", ")}): name the VM`,
      );
      return;
    }
    const matches = principalMatcher(e);
    if (!subjects.some(matches)) {
      issues.push(
        `${where}: no ${describePrincipal(e.principal)} in the program; it has: ${existingPrincipals(e.principal.kind, subjects)}`,
      );
      return;
    }
    rules.push({ expected: e.expected, source: "declared", from: where, vault, secret, matches });
  });
  // Two entries for the same principal and secret must agree.
  for (const s of subjects) {
    for (let i = 0; i < rules.length; i++) {
      for (let j = i + 1; j < rules.length; j++) {
        const a = rules[i]!;
        const b = rules[j]!;
        if (a.secret === b.secret && a.expected !== b.expected && a.matches(s) && b.matches(s)) {
          issues.push(
            `${a.from} and ${b.from} contradict each other for ${a.vault.name}/${a.secret.name}: keep one`,
          );
        }
      }
    }
  }
  if (issues.length > 0) {
    throw new IntentError([...new Set(issues)]);
  }
  return rules;
}

// ---------------------------------------------------------------------------------------------
// inferred

/** A pod template's environment with ConfigMap references resolved (same cluster and namespace). */
function resolvedEnv(
  model: DeploymentModel,
  pod: PodTemplateModel,
): { name: string; value: string; from: string }[] {
  const configMap = (name: string) =>
    model.configMaps.find(
      (c) =>
        c.name === name &&
        c.namespace === pod.namespace &&
        (c.cluster === pod.cluster || c.cluster === undefined || pod.cluster === undefined),
    );
  const out: { name: string; value: string; from: string }[] = [];
  for (const e of pod.env) {
    if (e.value !== undefined) {
      out.push({ name: e.name, value: e.value, from: `env ${e.name}` });
    } else if (e.configMap !== undefined) {
      const v = configMap(e.configMap.name)?.data[e.configMap.key];
      if (v !== undefined) {
        out.push({
          name: e.name,
          value: v,
          from: `env ${e.name} (ConfigMap ${pod.namespace}/${e.configMap.name})`,
        });
      }
    }
  }
  for (const name of pod.envFromConfigMaps) {
    for (const [k, v] of Object.entries(configMap(name)?.data ?? {})) {
      out.push({ name: k, value: v, from: `env ${k} (ConfigMap ${pod.namespace}/${name})` });
    }
  }
  return out;
}

/** What the applications' own configuration says they read. */
export function inferredIntent(model: DeploymentModel): IntentRule[] {
  const rules: IntentRule[] = [];
  for (const pod of model.podTemplates) {
    if (pod.verifier !== undefined) {
      continue;
    }
    const env = resolvedEnv(model, pod);
    for (const e of env) {
      const uri = vaultUrisIn(e.value)[0];
      const vault =
        uri !== undefined
          ? model.vaults.find((v) => eqi(v.name, uri.vault))
          : model.vaults.find((v) => eqi(v.name, e.value.trim()));
      if (vault === undefined) {
        continue;
      }
      const named =
        uri?.secret !== undefined ? { secret: secretIn(vault, uri.secret), from: "" } : undefined;
      const other = env.find((x) => x !== e && secretIn(vault, x.value.trim()) !== undefined);
      const secret =
        named?.secret ?? (other !== undefined ? secretIn(vault, other.value.trim()) : undefined);
      if (secret === undefined) {
        continue;
      }
      const from =
        `from ${e.from}` +
        (named?.secret === undefined && other !== undefined ? ` and ${other.from}` : "") +
        ` of ${podLabel(pod)}`;
      rules.push({
        expected: "allow",
        source: "inferred",
        from,
        vault,
        secret,
        matches: samePod(pod),
      });
    }
  }
  for (const vm of model.vms) {
    const texts = [
      { text: vm.bootText, from: `customData/userData of VM ${vm.name}` },
      ...model.runCommands
        .filter(
          (c) =>
            eqi(c.vmName, vm.name) &&
            c.parameters.ZC_PRINCIPALS === undefined &&
            c.parameters.ZC_CHECKS === undefined,
        )
        .map((c) => ({ text: c.script, from: `run command ${c.name} of VM ${vm.name}` })),
    ];
    for (const t of texts) {
      for (const ref of vaultUrisIn(t.text)) {
        const vault = model.vaults.find((v) => eqi(v.name, ref.vault));
        if (vault === undefined) {
          continue;
        }
        const secret =
          secretIn(vault, ref.secret) ??
          vault.secrets.find((s) =>
            new RegExp(`(^|[^A-Za-z0-9-])${s.name}([^A-Za-z0-9-]|$)`).test(t.text),
          );
        if (secret === undefined) {
          continue;
        }
        // Which identity the script's IMDS request uses: a client id it names, else the default.
        const named = model.identities.find(
          (i) => i.clientId !== undefined && t.text.includes(i.clientId),
        );
        const matches = (s: IntentSubject): boolean =>
          s.via === "vm" &&
          eqi(s.vmName, vm.name) &&
          (named !== undefined
            ? eqi(s.identityClientId, named.clientId)
            : vm.systemAssigned !== undefined
              ? s.identityKind === "system"
              : vm.userAssignedIdentityIds.length === 1 && s.identityKind === "user");
        rules.push({
          expected: "allow",
          source: "inferred",
          from: `from ${t.from}`,
          vault,
          secret,
          matches,
        });
      }
    }
  }
  return rules;
}

// ---------------------------------------------------------------------------------------------
// the deployed verifiers' parameters

export function verifierIntent(model: DeploymentModel): {
  rules: IntentRule[];
  problems: VerifierProblem[];
} {
  const rules: IntentRule[] = [];
  const problems: VerifierProblem[] = [];
  const target = (name: string, url: string, secretName: string) => {
    const vault = vaultByUrl(model, url);
    if (vault === undefined) {
      problems.push({
        verifier: name,
        message: `${name} checks vault ${url}, which is not in the program (vaults: ${model.vaults.map((v) => `${v.name} ${v.vaultUri ?? ""}`.trim()).join(", ") || "none"}): it fails at deploy time`,
        fix: `pass the vault's properties.vaultUri output to ${name}`,
      });
      return undefined;
    }
    const secret = secretIn(vault, secretName);
    if (secret === undefined) {
      problems.push({
        verifier: name,
        message: `${name} checks secret ${secretName} in vault ${vault.name}, which has no such secret (secrets: ${vault.secrets.map((s) => s.name).join(", ") || "none"})`,
        fix: `pass the name of a secret the program declares in vault ${vault.name}`,
      });
      return undefined;
    }
    return { vault, secret };
  };
  for (const pod of model.podTemplates) {
    const name = `verification ${podLabel(pod)}`;
    for (const v of pod.verifier?.checks ?? []) {
      if (v.expected !== "allow" && v.expected !== "deny") {
        continue;
      }
      const t = target(name, v.vaultUrl, v.secretName);
      if (t !== undefined) {
        rules.push({
          expected: v.expected,
          source: "verifier",
          from: name,
          ...t,
          matches: samePod(pod),
        });
      }
    }
  }
  for (const rc of model.runCommands) {
    const p = rc.parameters;
    const name = `verification run command ${rc.name} on VM ${rc.vmName}`;
    // ZC_CHECKS: principal|clientId|vaultUrl|secretName|sha256|expected per check, `;`-joined;
    // the older form: ZC_PRINCIPALS label|clientId|expected with one ZC_VAULT_URL/ZC_SECRET_NAME.
    const checks: {
      label: string;
      clientId: string;
      vaultUrl: string;
      secretName: string;
      expected: string;
    }[] = [];
    for (const entry of (p.ZC_CHECKS ?? "").split(";").filter((x) => x.length > 0)) {
      const [label = "", clientId = "", vaultUrl = "", secretName = "", , expected = ""] =
        entry.split("|");
      checks.push({ label, clientId, vaultUrl, secretName, expected });
    }
    if (
      p.ZC_PRINCIPALS !== undefined &&
      p.ZC_VAULT_URL !== undefined &&
      p.ZC_SECRET_NAME !== undefined
    ) {
      for (const entry of p.ZC_PRINCIPALS.split(";").filter((x) => x.length > 0)) {
        const [label = "", clientId = "", expected = ""] = entry.split("|");
        checks.push({
          label,
          clientId,
          vaultUrl: p.ZC_VAULT_URL,
          secretName: p.ZC_SECRET_NAME,
          expected,
        });
      }
    }
    for (const c of checks) {
      if (c.expected !== "allow" && c.expected !== "deny") {
        continue;
      }
      const t = target(name, c.vaultUrl, c.secretName);
      if (t === undefined) {
        continue;
      }
      const matches = (s: IntentSubject): boolean =>
        s.via === "vm" &&
        eqi(s.vmName, rc.vmName) &&
        (c.clientId === ""
          ? s.identityKind === "system" || s.identityClientId === undefined
          : eqi(s.identityClientId, c.clientId));
      rules.push({
        expected: c.expected,
        source: "verifier",
        from: `${name} (principal ${c.label})`,
        ...t,
        matches,
      });
    }
  }
  return { rules, problems };
}
