/** Whatever JSON an upstream API answers: recorded payloads and fake objects are read and changed freely. */
// deno-lint-ignore no-explicit-any
export type Json = any;
