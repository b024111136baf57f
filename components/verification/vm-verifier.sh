#!/bin/sh
# zerocred VM verifier: proves, on the VM, that each managed identity gets exactly the Key Vault
# access it was granted. POSIX sh + curl (+ POSIX sed/awk/tr/od, coreutils sha256sum/base64);
# runs under dash and bash. Executed by a managed run command, whose named parameters arrive as
# environment variables (NAME=VALUE arguments are accepted as well).
#
# Inputs: either ZC_CHECKS ("name|clientId|vaultUrl|secretName|sha256|allow;…", one entry per
# (principal, vault, secret) check) or the single-secret form ZC_VAULT_URL, ZC_SECRET_NAME,
# ZC_EXPECTED_SHA256 and ZC_PRINCIPALS ("name|clientId|allow;…"); an empty clientId is the
# system-assigned identity. Also ZC_TIMEOUT_SECONDS, optional ZC_IMDS_ENDPOINT (default
# http://169.254.169.254) and ZC_CA_FILE (curl --cacert; simulation only), and ZC_TIME_SCALE
# (simulation and tests only; never set by the components): a whole factor from 1 to 1000 by which
# the verifier's clock runs fast. Every wait (backoff, Retry-After) takes 1/ZC_TIME_SCALE of its
# time and the clock (deadline, elapsedMs) advances ZC_TIME_SCALE times as fast, so the same attempts
# happen in the same order against an emulator whose propagation delay is scaled alike.
# Output: one JSON line per check; then the compact result block, which is what survives the run
# command handler: it reports only the LAST 4096 bytes of stdout (Azure/run-command-handler-linux
# v1.16.0, internal/cmds/cmds.go: maxTailLen = 4 * 1024, files.TailFile). The block is
#   ZC-RESULTS v1 <count>
#   ZC <index> <actual> <status> <attempts> <elapsedMs> [diagnosis, cut to fit]   (one per check)
#   {"summary":{...},"ok":...}
# and is kept under 3600 bytes for up to 64 checks (diagnoses of failed checks share what is left),
# so the parser rebuilds every check from it even when the JSON lines above were cut away.
# Exit 0 iff all as expected.
# Never prints a token or a secret value: tokens live in a 0600 curl config file (not in argv),
# the secret is reduced to its SHA-256 fingerprint.
set -u
umask 077
LC_ALL=C
export LC_ALL

for zc_arg in "$@"; do
  case $zc_arg in
    ZC_*=*) export "$zc_arg" ;;
  esac
done

ZC_IMDS_ENDPOINT=${ZC_IMDS_ENDPOINT:-http://169.254.169.254}
ZC_TIMEOUT_SECONDS=${ZC_TIMEOUT_SECONDS:-600}
ZC_CA_FILE=${ZC_CA_FILE:-}
ZC_TIME_SCALE=${ZC_TIME_SCALE:-1}

TMPD=$(mktemp -d 2>/dev/null || mktemp -d -t zcverify)
trap 'rm -rf "$TMPD"' EXIT
trap 'rm -rf "$TMPD"; exit 130' INT TERM HUP

# --- helpers ------------------------------------------------------------------------------------

real_ms() {
  zc_t=$(date +%s%N 2>/dev/null)
  case $zc_t in
    *N | '') echo $(($(date +%s) * 1000)) ;;
    *) echo $((zc_t / 1000000)) ;;
  esac
}

# The verifier's clock: real time, running ZC_TIME_SCALE times as fast from ZC_T0 (the start).
now_ms() {
  echo $((ZC_T0 + ($(real_ms) - ZC_T0) * ZC_TIME_SCALE))
}

# JSON string literal of $1 (quotes and backslashes escaped, control characters dropped).
# Printable ASCII without quotes or backslashes (most values: names, URLs, GUIDs, diagnoses) is
# printed as is, without the tr + sed processes (about 20 per check).
jstr() {
  case $1 in
    *[!\ -~]* | *\"* | *\\*) printf '"%s"' "$(printf '%s' "$1" | tr -d '\000-\037' | sed 's/\\/\\\\/g; s/"/\\"/g')" ;;
    *) printf '"%s"' "$1" ;;
  esac
}

# JSON string or null.
jstr_or_null() {
  if [ -n "$1" ]; then jstr "$1"; else printf 'null'; fi
}

rand_u16() {
  od -An -N2 -tu2 /dev/urandom 2>/dev/null | tr -d ' \n' || echo 0
}

# Waits $1 ms of the verifier's clock (1/ZC_TIME_SCALE of it in real time).
sleep_ms() {
  zc_r=$(($1 / ZC_TIME_SCALE))
  sleep "$((zc_r / 1000)).$(printf '%03d' $((zc_r % 1000)))"
}

# Backoff before retry number $1 (1-based): equal jitter over min(cap, base * 2^(n-1)).
backoff_ms() {
  zc_d=1000
  zc_i=1
  while [ "$zc_i" -lt "$1" ] && [ "$zc_d" -lt 8000 ]; do
    zc_d=$((zc_d * 2))
    zc_i=$((zc_i + 1))
  done
  [ "$zc_d" -gt 8000 ] && zc_d=8000
  echo $((zc_d / 2 + $(rand_u16) % (zc_d / 2 + 1)))
}

# Retry-After (seconds) from a header file, or empty.
retry_after_ms() {
  zc_ra=$(tr -d '\r' <"$1" 2>/dev/null | sed -n 's/^[Rr][Ee][Tt][Rr][Yy]-[Aa][Ff][Tt][Ee][Rr]:[[:space:]]*\([0-9][0-9]*\)[[:space:]]*$/\1/p' | tail -n 1)
  [ -n "$zc_ra" ] && echo $((zc_ra * 1000))
}

# Wait before the next attempt, unless that would pass the deadline (returns 1 then).
wait_retry() { # $1 = retry number, $2 = header file
  zc_w=$(retry_after_ms "$2")
  [ -z "$zc_w" ] && zc_w=$(backoff_ms "$1")
  [ "$zc_w" -gt 60000 ] && zc_w=60000
  [ $(($(now_ms) + zc_w)) -ge "$DEADLINE_MS" ] && return 1
  sleep_ms "$zc_w"
  return 0
}

# Value of the top-level-ish JSON string field $1 in file $2 (raw, still JSON-escaped).
json_field_raw() {
  tr -d '\r\n' <"$2" | sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\\(\\([^\"\\\\]\\|\\\\.\\)*\\)\".*/\\1/p"
}

# JSON number field $1 in file $2.
json_number() {
  tr -d '\r\n' <"$2" | sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\\([0-9][0-9]*\\).*/\\1/p"
}

# Converts a JSON-escaped string body (stdin) into a printf %b argument that reproduces its exact
# UTF-8 bytes: \" \\ \/ \b \f \n \r \t and \uXXXX (with surrogate pairs) are decoded.
json_unescape_to_b() {
  awk '
    function hexval(h,   i, c, v) {
      v = 0
      for (i = 1; i <= length(h); i++) { c = index("0123456789abcdef", tolower(substr(h, i, 1))); v = v * 16 + c - 1 }
      return v
    }
    function oct(n) { return sprintf("\\0%03o", n) }
    function utf8(cp) {
      if (cp < 128) return emit(cp)
      if (cp < 2048) return oct(192 + int(cp / 64)) oct(128 + cp % 64)
      if (cp < 65536) return oct(224 + int(cp / 4096)) oct(128 + int(cp / 64) % 64) oct(128 + cp % 64)
      return oct(240 + int(cp / 262144)) oct(128 + int(cp / 4096) % 64) oct(128 + int(cp / 64) % 64) oct(128 + cp % 64)
    }
    function emit(b,   ch) {
      ch = sprintf("%c", b)
      if (ch ~ /[A-Za-z0-9]/) return ch
      return oct(b)
    }
    BEGIN { for (i = 1; i < 256; i++) ord[sprintf("%c", i)] = i }
    {
      s = $0; out = ""; n = length(s); i = 1
      while (i <= n) {
        c = substr(s, i, 1)
        if (c != "\\") { out = out emit(ord[c]); i++; continue }
        e = substr(s, i + 1, 1)
        if (e == "u") {
          cp = hexval(substr(s, i + 2, 4)); i += 6
          if (cp >= 55296 && cp < 56320 && substr(s, i, 2) == "\\u") {
            lo = hexval(substr(s, i + 2, 4))
            if (lo >= 56320 && lo < 57344) { cp = 65536 + (cp - 55296) * 1024 + (lo - 56320); i += 6 }
          }
          out = out utf8(cp); continue
        }
        if (e == "b") out = out oct(8)
        else if (e == "f") out = out oct(12)
        else if (e == "n") out = out oct(10)
        else if (e == "r") out = out oct(13)
        else if (e == "t") out = out oct(9)
        else out = out emit(ord[e])
        i += 2
      }
      printf "%s", out
    }'
}

# Decodes base64url (stdin) to bytes.
b64url_decode() {
  zc_s=$(tr -d '\n' | tr '_-' '/+')
  case $((${#zc_s} % 4)) in
    2) zc_s="$zc_s==" ;;
    3) zc_s="$zc_s=" ;;
  esac
  printf '%s' "$zc_s" | base64 -d 2>/dev/null
}

curl_tls() {
  if [ -n "$ZC_CA_FILE" ]; then
    curl --cacert "$ZC_CA_FILE" "$@"
  else
    curl "$@"
  fi
}

fail_config() {
  printf '{"summary":{"total":0,"passed":0,"failed":0},"ok":false,"diagnosis":%s}\n' "$(jstr "$1")"
  exit 2
}

# --- input validation ---------------------------------------------------------------------------

# Validates one check's vault URL ($1), secret name ($2) and fingerprint ($3).
check_target() {
  [ -n "$1" ] || fail_config "ZC_VAULT_URL is not set: pass the vault URI (https://<vault>.vault.azure.net/) as a run command parameter."
  case $1 in
    https://*) ;;
    *) fail_config "ZC_VAULT_URL '$1' is not an https URL: Key Vault only serves https; pass the vault's vaultUri." ;;
  esac
  case $1 in
    *[\|\;\ ]*) fail_config "ZC_VAULT_URL '$1' contains '|', ';' or a space: pass the vault's vaultUri." ;;
  esac
  [ -n "$2" ] || fail_config "ZC_SECRET_NAME is not set: pass the canary secret's name."
  case $2 in
    *[!A-Za-z0-9-]*) fail_config "ZC_SECRET_NAME '$2' is not a valid secret name: use letters, digits and hyphens." ;;
  esac
  case $3 in
    *[!0-9a-f]* | '') fail_config "ZC_EXPECTED_SHA256 must be the lowercase hex SHA-256 of the canary value." ;;
  esac
  [ ${#3} -eq 64 ] || fail_config "ZC_EXPECTED_SHA256 must be 64 lowercase hex characters."
}

case $ZC_TIMEOUT_SECONDS in
  *[!0-9]* | '') fail_config "ZC_TIMEOUT_SECONDS '$ZC_TIMEOUT_SECONDS' is not a whole number of seconds." ;;
esac
if [ -z "${ZC_CHECKS:-}" ]; then
  check_target "${ZC_VAULT_URL:-}" "${ZC_SECRET_NAME:-}" "${ZC_EXPECTED_SHA256:-}"
  [ -n "${ZC_PRINCIPALS:-}" ] || fail_config "ZC_PRINCIPALS is not set: pass 'name|clientId|allow;…'."
fi

case $ZC_TIME_SCALE in
  *[!0-9]* | '' | 0*) fail_config "ZC_TIME_SCALE '$ZC_TIME_SCALE' is not a whole number from 1 to 1000 (leave it unset outside the simulation)." ;;
esac
[ "$ZC_TIME_SCALE" -le 1000 ] || fail_config "ZC_TIME_SCALE '$ZC_TIME_SCALE' is not a whole number from 1 to 1000 (leave it unset outside the simulation)."

IMDS_BASE=${ZC_IMDS_ENDPOINT%/}
ZC_T0=$(real_ms)
START_MS=$(now_ms)
DEADLINE_MS=$((START_MS + ZC_TIMEOUT_SECONDS * 1000))
AUTH_CFG="$TMPD/auth.cfg"
BODY="$TMPD/body"
HDRS="$TMPD/headers"
ERRF="$TMPD/curl.err"

# --- one principal ------------------------------------------------------------------------------

# Sets TOKEN, CLAIM_*, R_STATUS, R_DIAG, and increments ATTEMPTS. Returns 0 when a token was issued.
get_token() { # $1 = client id (may be empty)
  zc_url="$IMDS_BASE/metadata/identity/oauth2/token?api-version=2018-02-01&resource=https%3A%2F%2Fvault.azure.net"
  [ -n "$1" ] && zc_url="$zc_url&client_id=$1"
  zc_retry=0
  zc_neterr=0
  while :; do
    ATTEMPTS=$((ATTEMPTS + 1))
    : >"$BODY"
    : >"$HDRS"
    zc_code=$(curl -sS --noproxy '*' --connect-timeout 5 --max-time 30 -H 'Metadata: true' \
      -D "$HDRS" -o "$BODY" -w '%{http_code}' "$zc_url" 2>"$ERRF")
    zc_rc=$?
    R_STATUS=${zc_code:-0}
    if [ "$zc_rc" -ne 0 ] || [ "$R_STATUS" = "000" ]; then
      R_STATUS=0
      zc_neterr=$((zc_neterr + 1))
      # An IMDS endpoint that fails 3 times in a row is not coming back: fail fast.
      if [ "$zc_neterr" -lt 3 ]; then zc_retriable=1; else zc_retriable=0; fi
      R_DIAG="IMDS unreachable at $IMDS_BASE: $(head -n 1 "$ERRF" | cut -c 1-120)"
    else
      case $R_STATUS in
        200)
          TOKEN=$(json_field_raw access_token "$BODY")
          case $TOKEN in
            *[!A-Za-z0-9._-]* | '')
              TOKEN=''
              R_DIAG='IMDS answered 200 without a well-formed access_token.'
              return 1
              ;;
          esac
          return 0
          ;;
        404 | 410 | 429 | 5??)
          zc_retriable=1
          R_DIAG="IMDS answered $R_STATUS (transient per Azure's IMDS guidance)."
          ;;
        *)
          zc_retriable=0
          zc_desc=$(json_field_raw error_description "$BODY" | cut -c 1-160)
          R_DIAG="IMDS answered $R_STATUS: $zc_desc"
          case $zc_desc in
            *[Ii]dentity\ not\ found*) R_DIAG="$R_DIAG (the identity with this client_id is not attached to the VM)" ;;
            *[Mm]ultiple\ user\ assigned*) R_DIAG="$R_DIAG (give the clientId of the identity to test)" ;;
          esac
          ;;
      esac
    fi
    [ "$zc_retriable" -eq 1 ] || return 1
    zc_retry=$((zc_retry + 1))
    if ! wait_retry "$zc_retry" "$HDRS"; then
      R_DIAG="$R_DIAG Gave up after $ATTEMPTS attempts: ZC_TIMEOUT_SECONDS ($ZC_TIMEOUT_SECONDS) reached."
      return 1
    fi
  done
}

# The token's aud, iss, oid, tid and exp claims (CLAIM_*): one sed prints a "name=value" line per
# claim it finds, with json_field_raw's and json_number's patterns (aud and iss with "\/" unescaped).
decode_claims() {
  zc_payload=${TOKEN#*.}
  zc_payload=${zc_payload%%.*}
  zc_claims=$(printf '%s' "$zc_payload" | b64url_decode | tr -d '\r\n' | sed -n '
h
s/.*"aud"[[:space:]]*:[[:space:]]*"\(\([^"\\]\|\\.\)*\)".*/aud=\1/
t aud
b iss
:aud
s#\\/#/#g
p
:iss
g
s/.*"iss"[[:space:]]*:[[:space:]]*"\(\([^"\\]\|\\.\)*\)".*/iss=\1/
t issfound
b oid
:issfound
s#\\/#/#g
p
:oid
g
s/.*"oid"[[:space:]]*:[[:space:]]*"\(\([^"\\]\|\\.\)*\)".*/oid=\1/p
g
s/.*"tid"[[:space:]]*:[[:space:]]*"\(\([^"\\]\|\\.\)*\)".*/tid=\1/p
g
s/.*"exp"[[:space:]]*:[[:space:]]*\([0-9][0-9]*\).*/exp=\1/p')
  CLAIM_AUD='' CLAIM_ISS='' CLAIM_OID='' CLAIM_TID='' CLAIM_EXP=''
  while IFS= read -r zc_line; do
    case $zc_line in
      aud=*) CLAIM_AUD=${zc_line#aud=} ;;
      iss=*) CLAIM_ISS=${zc_line#iss=} ;;
      oid=*) CLAIM_OID=${zc_line#oid=} ;;
      tid=*) CLAIM_TID=${zc_line#tid=} ;;
      exp=*) CLAIM_EXP=${zc_line#exp=} ;;
    esac
  done <<ZC_CLAIMS
$zc_claims
ZC_CLAIMS
}

# Reads the secret with $TOKEN. Sets R_ACTUAL, R_STATUS, R_DIAG.
read_secret() { # $1 = expected
  printf 'header = "Authorization: Bearer %s"\n' "$TOKEN" >"$AUTH_CFG"
  zc_url="$C_VAULT/secrets/$C_SECRET?api-version=7.5"
  zc_retry=0
  while :; do
    ATTEMPTS=$((ATTEMPTS + 1))
    : >"$BODY"
    : >"$HDRS"
    zc_code=$(curl_tls -sS --connect-timeout 10 --max-time 30 -K "$AUTH_CFG" \
      -D "$HDRS" -o "$BODY" -w '%{http_code}' "$zc_url" 2>"$ERRF")
    zc_rc=$?
    R_STATUS=${zc_code:-0}
    zc_retriable=0
    if [ "$zc_rc" -ne 0 ] || [ "$R_STATUS" = "000" ]; then
      R_STATUS=0
      R_ACTUAL=error
      R_DIAG="Key Vault unreachable (network error, not a denial): $(head -n 1 "$ERRF" | cut -c 1-120). Check DNS, the vault firewall / service endpoint and outbound access."
    else
      zc_code_s=$(json_field_raw code "$BODY" | head -n 1)
      case $R_STATUS in
        200)
          zc_actual_sha=$(json_field_raw value "$BODY" | json_unescape_to_b | {
            IFS= read -r zc_b || :
            printf '%b' "$zc_b"
          } | sha256sum | cut -d ' ' -f 1)
          : >"$BODY"
          if [ "$1" = deny ]; then
            R_ACTUAL=allow
            R_DIAG="Read the secret although access should be denied: remove the role assignment that grants it."
          elif [ "$zc_actual_sha" = "$C_SHA" ]; then
            R_ACTUAL=allow
            R_DIAG="Read the secret; its SHA-256 matches the expected fingerprint."
          else
            R_ACTUAL=error
            R_DIAG="Read a secret whose SHA-256 does not match ZC_EXPECTED_SHA256: wrong vault or secret version."
          fi
          ;;
        403)
          if grep -q ForbiddenByRbac "$BODY"; then
            if [ "$1" = allow ]; then
              zc_retriable=1
              R_ACTUAL=deny
              R_DIAG="403 ForbiddenByRbac: no effective role assignment yet (RBAC propagation can take up to 10 minutes)."
            else
              R_ACTUAL=deny
              R_DIAG="403 ForbiddenByRbac, as expected."
            fi
          else
            R_ACTUAL=error
            zc_inner=$(tr -d '\r\n' <"$BODY" | sed -n 's/.*"innererror"[^}]*"code"[[:space:]]*:[[:space:]]*"\([A-Za-z]*\)".*/\1/p')
            R_DIAG="403 ${zc_inner:-$zc_code_s} is not an RBAC denial (vault firewall, private endpoint or policy): fix the network path."
          fi
          ;;
        429 | 5??)
          zc_retriable=1
          R_ACTUAL=error
          R_DIAG="Key Vault answered $R_STATUS (throttled or unavailable)."
          ;;
        401)
          R_ACTUAL=error
          R_DIAG="401 $zc_code_s: the vault rejected the token: $(json_field_raw message "$BODY" | cut -c 1-140)"
          ;;
        404)
          R_ACTUAL=error
          R_DIAG="404 $zc_code_s: secret '$C_SECRET' does not exist in $C_VAULT."
          ;;
        *)
          R_ACTUAL=error
          R_DIAG="Key Vault answered $R_STATUS $zc_code_s."
          ;;
      esac
    fi
    [ "$zc_retriable" -eq 1 ] || break
    zc_retry=$((zc_retry + 1))
    if ! wait_retry "$zc_retry" "$HDRS"; then
      R_DIAG="$R_DIAG Gave up after $ATTEMPTS attempts: ZC_TIMEOUT_SECONDS ($ZC_TIMEOUT_SECONDS) reached."
      break
    fi
  done
  rm -f "$AUTH_CFG" "$BODY"
}

verify_principal() { # $1 name, $2 client id, $3 expected
  zc_p_start=$(now_ms)
  ATTEMPTS=0
  TOKEN=''
  CLAIM_AUD=''
  CLAIM_ISS=''
  CLAIM_OID=''
  CLAIM_TID=''
  CLAIM_EXP=''
  R_ACTUAL=error
  R_STATUS=0
  R_DIAG=''
  if get_token "$2"; then
    decode_claims
    read_secret "$3"
  else
    R_ACTUAL=error
  fi
  TOKEN=''
  zc_claims=null
  if [ -n "$CLAIM_AUD$CLAIM_ISS$CLAIM_OID$CLAIM_TID$CLAIM_EXP" ]; then
    zc_claims=$(printf '{"aud":%s,"iss":%s,"oid":%s,"tid":%s,"exp":%s}' \
      "$(jstr_or_null "$CLAIM_AUD")" "$(jstr_or_null "$CLAIM_ISS")" "$(jstr_or_null "$CLAIM_OID")" \
      "$(jstr_or_null "$CLAIM_TID")" "${CLAIM_EXP:-null}")
  fi
  zc_elapsed=$(($(now_ms) - zc_p_start))
  printf '{"principal":%s,"clientId":%s,"tokenClaims":%s,"vault":%s,"secret":%s,"expected":%s,"actual":%s,"status":%s,"attempts":%s,"elapsedMs":%s,"diagnosis":%s}\n' \
    "$(jstr "$1")" "$(jstr_or_null "$2")" "$zc_claims" "$(jstr "$C_VAULT/")" "$(jstr "$C_SECRET")" "$(jstr "$3")" \
    "$(jstr "$R_ACTUAL")" "$((R_STATUS + 0))" "$ATTEMPTS" "$zc_elapsed" "$(jstr "$R_DIAG")"
  # The compact record: index, outcome, and the diagnosis only when the outcome is not the expected one.
  zc_cdiag=''
  [ "$R_ACTUAL" = "$3" ] || zc_cdiag=$(printf '%s' "$R_DIAG" | tr -d '\000-\037')
  printf 'ZC %s %s %s %s %s %s\n' "$TOTAL" "$R_ACTUAL" "$((R_STATUS + 0))" "$ATTEMPTS" "$zc_elapsed" "$zc_cdiag" >>"$COMPACT"
  TOTAL=$((TOTAL + 1))
  if [ "$R_ACTUAL" = "$3" ]; then PASSED=$((PASSED + 1)); else FAILED=$((FAILED + 1)); fi
}

# --- main ---------------------------------------------------------------------------------------

TOTAL=0
PASSED=0
FAILED=0
COMPACT="$TMPD/compact"
: >"$COMPACT"
# The single-secret form is the same as one check per principal against that secret.
if [ -z "${ZC_CHECKS:-}" ]; then
  ZC_CHECKS=''
  set -f
  zc_oldifs=$IFS
  IFS=';'
  # shellcheck disable=SC2086 # deliberate split on ';'
  set -- $ZC_PRINCIPALS
  IFS=$zc_oldifs
  set +f
  for zc_entry in "$@"; do
    [ -z "$zc_entry" ] && continue
    zc_name=${zc_entry%%|*}
    zc_rest=${zc_entry#*|}
    zc_cid=${zc_rest%%|*}
    zc_exp=${zc_rest#*|}
    if [ "$zc_rest" = "$zc_entry" ] || [ "$zc_exp" = "$zc_rest" ] || [ -z "$zc_name" ]; then
      fail_config "ZC_PRINCIPALS entry '$zc_entry' is malformed: expected 'name|clientId|allow' or 'name||deny'."
    fi
    case $zc_exp in
      allow | deny) ;;
      *) fail_config "ZC_PRINCIPALS entry '$zc_entry': expectation '$zc_exp' must be 'allow' or 'deny'." ;;
    esac
    case $zc_cid in
      *[!0-9A-Fa-f-]*) fail_config "ZC_PRINCIPALS entry '$zc_entry': clientId '$zc_cid' is not a GUID." ;;
    esac
    ZC_CHECKS="$ZC_CHECKS$zc_name|$zc_cid|$ZC_VAULT_URL|$ZC_SECRET_NAME|$ZC_EXPECTED_SHA256|$zc_exp;"
  done
fi

# Splits one ZC_CHECKS entry 'name|clientId|vaultUrl|secretName|sha256|expected' into zc_name, zc_cid,
# zc_vault, zc_secret, zc_sha and zc_exp (the validation loop and the verification loop both use it).
split_check() {
  zc_name=${1%%|*}
  zc_r=${1#*|}
  zc_cid=${zc_r%%|*}
  zc_r=${zc_r#*|}
  zc_vault=${zc_r%%|*}
  zc_r=${zc_r#*|}
  zc_secret=${zc_r%%|*}
  zc_r=${zc_r#*|}
  zc_sha=${zc_r%%|*}
  zc_exp=${zc_r#*|}
}

# Validate every entry before the first request.
set -f
zc_oldifs=$IFS
IFS=';'
# shellcheck disable=SC2086 # deliberate split on ';'
set -- $ZC_CHECKS
IFS=$zc_oldifs
set +f
zc_count=0
for zc_entry in "$@"; do
  [ -z "$zc_entry" ] && continue
  split_check "$zc_entry"
  case $zc_entry in
    *'|'*'|'*'|'*'|'*'|'*) ;;
    *) fail_config "ZC_CHECKS entry '$zc_entry' is malformed: expected 'name|clientId|vaultUrl|secretName|sha256|allow'." ;;
  esac
  case $zc_exp in
    *'|'*) fail_config "ZC_CHECKS entry '$zc_entry' is malformed: expected 'name|clientId|vaultUrl|secretName|sha256|allow'." ;;
  esac
  [ -n "$zc_name" ] || fail_config "ZC_CHECKS entry '$zc_entry' has no principal name."
  case $zc_exp in
    allow | deny) ;;
    *) fail_config "ZC_CHECKS entry '$zc_entry': expectation '$zc_exp' must be 'allow' or 'deny'." ;;
  esac
  case $zc_cid in
    *[!0-9A-Fa-f-]*) fail_config "ZC_CHECKS entry '$zc_entry': clientId '$zc_cid' is not a GUID." ;;
  esac
  check_target "$zc_vault" "$zc_secret" "$zc_sha"
  zc_count=$((zc_count + 1))
done
[ "$zc_count" -gt 0 ] || fail_config "ZC_CHECKS is empty: pass 'name|clientId|vaultUrl|secretName|sha256|allow;…'."

for zc_entry in "$@"; do
  [ -z "$zc_entry" ] && continue
  split_check "$zc_entry"
  C_SECRET=$zc_secret
  C_SHA=$zc_sha
  C_VAULT=${zc_vault%/}
  verify_principal "$zc_name" "$zc_cid" "$zc_exp"
done

if [ "$FAILED" -eq 0 ] && [ "$TOTAL" -gt 0 ]; then ZC_OK=true; else ZC_OK=false; fi
# The compact block: 3600 bytes at most for up to 64 checks. Each record without its diagnosis is at
# most 40 bytes; what is left is shared by the failed checks' diagnoses.
zc_budget=$((3400 - TOTAL * 40))
[ "$zc_budget" -lt 0 ] && zc_budget=0
zc_diag_max=0
[ "$FAILED" -gt 0 ] && zc_diag_max=$((zc_budget / FAILED))
[ "$zc_diag_max" -gt 240 ] && zc_diag_max=240
printf 'ZC-RESULTS v1 %s\n' "$TOTAL"
while IFS= read -r zc_line; do
  zc_head=$(printf '%s' "$zc_line" | cut -d ' ' -f 1-6)
  zc_tail=$(printf '%s' "$zc_line" | cut -d ' ' -f 7- -s | cut -c "1-$((zc_diag_max > 0 ? zc_diag_max : 1))")
  [ "$zc_diag_max" -eq 0 ] && zc_tail=''
  if [ -n "$zc_tail" ]; then printf '%s %s\n' "$zc_head" "$zc_tail"; else printf '%s\n' "$zc_head"; fi
done <"$COMPACT"
printf '{"summary":{"total":%s,"passed":%s,"failed":%s},"ok":%s}\n' "$TOTAL" "$PASSED" "$FAILED" "$ZC_OK"
[ "$ZC_OK" = true ]
