/**
 * Azure ABAC conditions (version 2.0) on role assignments, as used to delegate role-assignment
 * management: parsed from the text and evaluated for one `roleAssignments/write` or `/delete` request.
 *
 * Format and semantics: "Azure role assignment condition format and syntax"
 * (https://learn.microsoft.com/azure/role-based-access-control/conditions-format) and "Examples to
 * delegate Azure role assignment management with conditions"
 * (https://learn.microsoft.com/azure/role-based-access-control/delegate-role-assignments-examples):
 * a condition is a conjunction of blocks `((!(ActionMatches{'<action>'})) OR (<expression>))`; a block
 * whose action does not match the request is satisfied; an expression is `@Request[...]` (write) or
 * `@Resource[...]` (delete) attribute comparisons joined by AND / OR.
 *
 * Supported operators: `ForAnyOfAnyValues:GuidEquals`, `ForAnyOfAllValues:GuidNotEquals`,
 * `GuidEquals`, `GuidNotEquals`, `StringEqualsIgnoreCase`, `StringEquals`, `StringNotEquals`
 * (with or without a `ForAnyOfAnyValues:` prefix). Anything else makes the condition "not understood",
 * which the caller reports instead of guessing.
 */

export interface RoleAssignmentRequest {
  readonly action: "write" | "delete";
  /** Role definition GUID (lowercase). */
  readonly roleGuid: string;
  /** `ServicePrincipal`, `User`, `Group`, or undefined when the request does not carry one. */
  readonly principalType?: string;
  readonly principalId?: string;
}

export type ConditionVerdict =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly reason: string }
  | { readonly allowed: "unknown"; readonly reason: string };

const ATTRIBUTES: Record<string, keyof RoleAssignmentRequest> = {
  "microsoft.authorization/roleassignments:roledefinitionid": "roleGuid",
  "microsoft.authorization/roleassignments:principaltype": "principalType",
  "microsoft.authorization/roleassignments:principalid": "principalId",
};

function values(list: string): string[] {
  return list
    .split(",")
    .map((v) => v.trim().replace(/^'|'$/g, "").trim())
    .filter((v) => v !== "");
}

/** Evaluates one comparison; `undefined` when the operator or attribute is not supported. */
function comparison(text: string, req: RoleAssignmentRequest): boolean | undefined {
  const m =
    /^@(Request|Resource)\[([^\]]+)\]\s+(?:(ForAnyOfAnyValues|ForAnyOfAllValues|ForAllOfAnyValues|ForAllOfAllValues):)?(\w+)\s+\{([^}]*)\}$/.exec(
      text.trim(),
    );
  if (!m) {
    return undefined;
  }
  const [, , attribute, quantifier, op, list] = m;
  const key = ATTRIBUTES[attribute!.toLowerCase()];
  if (key === undefined) {
    return undefined;
  }
  const raw = req[key];
  if (raw === undefined) {
    // An absent attribute never matches a positive comparison.
    return op!.includes("Not") ? true : false;
  }
  const actual = String(raw).toLowerCase();
  const wanted = values(list!).map((v) => v.toLowerCase());
  const eq = wanted.includes(actual);
  switch (op) {
    case "GuidEquals":
    case "StringEqualsIgnoreCase":
      return eq;
    case "StringEquals":
      return values(list!).includes(String(raw));
    case "GuidNotEquals":
    case "StringNotEquals":
    case "StringNotEqualsIgnoreCase":
      return quantifier === undefined || quantifier.startsWith("ForAnyOfAll") ? !eq : !eq;
    default:
      return undefined;
  }
}

/** Strips one pair of enclosing parentheses when they wrap the whole text. */
function unwrap(text: string): string {
  let t = text.trim();
  for (;;) {
    if (!t.startsWith("(") || !t.endsWith(")")) {
      return t;
    }
    let depth = 0;
    for (let i = 0; i < t.length; i++) {
      if (t[i] === "(") {
        depth++;
      } else if (t[i] === ")") {
        depth--;
        if (depth === 0 && i < t.length - 1) {
          return t;
        }
      }
    }
    t = t.slice(1, -1).trim();
  }
}

/** Splits on a top-level operator (` AND ` / ` OR `), outside parentheses and braces. */
function splitTop(text: string, op: "AND" | "OR"): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  const needle = ` ${op} `;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "(" || c === "{" || c === "[") {
      depth++;
    } else if (c === ")" || c === "}" || c === "]") {
      depth--;
    } else if (depth === 0 && text.startsWith(needle, i)) {
      parts.push(text.slice(start, i));
      start = i + needle.length;
      i += needle.length - 1;
    }
  }
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

function expression(text: string, req: RoleAssignmentRequest): boolean | undefined {
  const t = unwrap(text);
  const ors = splitTop(t, "OR");
  if (ors.length > 1) {
    const r = ors.map((p) => expression(p, req));
    return r.includes(undefined) ? undefined : r.some(Boolean);
  }
  const ands = splitTop(t, "AND");
  if (ands.length > 1) {
    const r = ands.map((p) => expression(p, req));
    return r.includes(undefined) ? undefined : r.every(Boolean);
  }
  const negated = /^!\s*\(?\s*ActionMatches\{'([^']+)'\}\s*\)?$/.exec(t);
  if (negated) {
    return !actionMatches(negated[1]!, req);
  }
  const action = /^ActionMatches\{'([^']+)'\}$/.exec(t);
  if (action) {
    return actionMatches(action[1]!, req);
  }
  return comparison(t, req);
}

function actionMatches(pattern: string, req: RoleAssignmentRequest): boolean {
  return pattern.toLowerCase() === `microsoft.authorization/roleassignments/${req.action}`;
}

/** Whether `condition` lets the assignment holder make `req`. */
export function evaluateCondition(condition: string, req: RoleAssignmentRequest): ConditionVerdict {
  const result = expression(condition, req);
  if (result === undefined) {
    return {
      allowed: "unknown",
      reason: `the ABAC condition uses an expression this simulation does not evaluate: ${condition}`,
    };
  }
  if (result) {
    return { allowed: true };
  }
  return {
    allowed: false,
    reason: `the ABAC condition on the grant does not allow role ${req.roleGuid}${req.principalType ? ` for principal type ${req.principalType}` : " (the request names no principalType)"}`,
  };
}

/** The role GUIDs and principal types a condition permits for `write` (for messages), if listed. */
export function conditionAllows(condition: string): { roles: string[]; principalTypes: string[] } {
  const roles = new Set<string>();
  const types = new Set<string>();
  for (const m of condition.matchAll(/@Request\[([^\]]+)\][^{]*\{([^}]*)\}/g)) {
    const attr = m[1]!.toLowerCase();
    if (attr.endsWith(":roledefinitionid")) {
      values(m[2]!).forEach((v) => roles.add(v.toLowerCase()));
    } else if (attr.endsWith(":principaltype")) {
      values(m[2]!).forEach((v) => types.add(v));
    }
  }
  return { roles: [...roles], principalTypes: [...types] };
}
