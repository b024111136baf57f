/**
 * The small part of the GitHub Actions expression language that workflow files use for identities,
 * stacks and environments: `${{ vars.X }}`, `${{ inputs.X }}`, `${{ github.X }}`, string literals and
 * `a || b` (the first truthy operand, GitHub's `||` semantics:
 * https://docs.github.com/en/actions/reference/workflows-and-actions/expressions#operators).
 *
 * Anything else evaluates to `undefined` ("not known offline"), never to a guess.
 */

/** What an expression may read. Missing names evaluate to "" (GitHub's value for an unset variable). */
export interface ExpressionContext {
  readonly vars: Readonly<Record<string, string>>;
  readonly inputs?: Readonly<Record<string, string>>;
  readonly github?: Readonly<Record<string, string>>;
  readonly env?: Readonly<Record<string, string>>;
}

const EXPRESSION = /\$\{\{\s*([\s\S]*?)\s*\}\}/g;

function operand(token: string, ctx: ExpressionContext): string | undefined {
  const t = token.trim();
  const literal = /^'((?:[^']|'')*)'$/.exec(t);
  if (literal) {
    return literal[1]!.replace(/''/g, "'");
  }
  const ref = /^(vars|secrets|inputs|github|env)\.([A-Za-z_][A-Za-z0-9_.-]*)$/.exec(t);
  if (ref) {
    // A secret holding an id the bootstrap printed as a variable has the same value offline.
    const context = ref[1] === "secrets" ? "vars" : ref[1];
    const table = ctx[context as keyof ExpressionContext] as Record<string, string> | undefined;
    if (table === undefined) {
      return undefined;
    }
    return table[ref[2]!] ?? "";
  }
  return undefined;
}

/** Evaluates the inside of one `${{ }}`: operands joined by `||`. `undefined` when not supported. */
export function evaluateExpression(body: string, ctx: ExpressionContext): string | undefined {
  const parts = body.split("||");
  let last: string | undefined = "";
  for (const part of parts) {
    last = operand(part, ctx);
    if (last === undefined) {
      return undefined;
    }
    if (last !== "") {
      return last;
    }
  }
  return last;
}

/** Substitutes every `${{ }}` in `text`; `undefined` when one of them cannot be evaluated offline. */
export function interpolate(text: string, ctx: ExpressionContext): string | undefined {
  let unknown = false;
  const out = text.replace(EXPRESSION, (_m, body: string) => {
    const v = evaluateExpression(body, ctx);
    if (v === undefined) {
      unknown = true;
      return "";
    }
    return v;
  });
  return unknown ? undefined : out;
}
