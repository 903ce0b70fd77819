import assert from "node:assert/strict";
import { isDataError } from "./consumer.ts";

Deno.test("isDataError(): the data's faults are dead-lettered, the database's state is retried", () => {
  const data = ["22P02", "22007", "22021", "23505", "23514", "54000", "42601"];
  const database = ["42883", "42P01", "42703", "42501", "40P01", "40001", "08006", "57P01", "53300", "XX000"];
  for (const code of data) assert.equal(isDataError({ code }), true, code);
  for (const code of database) assert.equal(isDataError({ code }), false, code);
  assert.equal(isDataError(new Error("connection reset")), false);
  assert.equal(isDataError(undefined), false);
});
