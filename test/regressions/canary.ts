/**
 * The dev stack's canary VALUE in the simulated cloud (deterministic per resource URN), pinned so that
 * leak scans look for the real value, not a pattern. `stack-seams.test.ts` proves the pin is right.
 */
export const DEV_CANARY_VALUE = "2gNyK905FoMp8tLGszLIsmPiuEJzeyap";
/** SHA-256 of {@link DEV_CANARY_VALUE}: the `canaryFingerprint` stack output. */
export const DEV_CANARY_FINGERPRINT =
  "dc5db678fff0621152b33645a37400591abe2c209b60ad1a1e3a7d86e2398af5";

/**
 * The encodings of `value` found in `text`: the raw value, its base64 / base64url / hex / URL-encoded
 * forms, and any 16-character slice of it (a truncated or wrapped print). Empty when clean.
 */
export function canaryLeaks(text: string, value: string = DEV_CANARY_VALUE): string[] {
  const forms: [string, string][] = [
    ["raw", value],
    ["base64", Buffer.from(value, "utf8").toString("base64").replace(/=+$/, "")],
    ["base64url", Buffer.from(value, "utf8").toString("base64url")],
    ["hex", Buffer.from(value, "utf8").toString("hex")],
    ["url-encoded", encodeURIComponent(value)],
  ];
  const found = forms.filter(([, form]) => text.includes(form)).map(([name]) => name);
  for (let i = 0; i + 16 <= value.length; i++) {
    if (text.includes(value.slice(i, i + 16))) {
      found.push(`slice ${i}–${i + 16}`);
      break;
    }
  }
  return found;
}
