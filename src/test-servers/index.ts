/** The `test` command's core: each server's own test suite in its own environment. */
export { runServerTests, type ServerTestResult, type TestReport, type TestOptions } from "./run.js";
