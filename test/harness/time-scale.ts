/**
 * How many times as fast the verifiers' clocks run in the tests (ZC_TIME_SCALE for a verifier
 * started directly, ZEROCRED_TIME_SCALE for a simulation): every backoff, retry budget and
 * propagation delay is scaled alike, so a test asserts the same attempts and the same world-time
 * bounds (elapsedMs, ZC_TIMEOUT_SECONDS) while waiting a tenth of the time. 10 keeps the real
 * request latency (a few ms per call, tens of ms for the VM script's curl under load) well below
 * the scaled backoff (≥ 50 ms real).
 */
export const TEST_TIME_SCALE = 10;
