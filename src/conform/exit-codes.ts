/**
 * Exit codes of the CLI: 2 also when a report cannot be written (the verdict is still printed), 130 when
 * SIGINT or SIGTERM interrupted the run.
 */
export const EXIT = { PASS: 0, FAIL: 1, SETUP: 2, INTERRUPTED: 130 } as const;
