/** Default settle timeout for a program (`--timeout`): generous for a real program, short for a hung one. */
export const DEFAULT_TIMEOUT_MS = 60_000;
