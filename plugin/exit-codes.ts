// Exit codes, documented with the error handling in plugin/errors.ts. Kept apart, with no imports,
// so that the fastest paths can use them without loading anything else.
export const EXIT_OK = 0;
export const EXIT_BAD_INPUT = 1;
export const EXIT_FAILED = 2;
export const EXIT_WAITING = 3;
export const EXIT_INTERNAL = 70;
