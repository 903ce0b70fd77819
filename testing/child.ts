/** Stopping child processes (the stack, nats-server) that may have exited already. */

/** Sends `sig` to a child; one that has exited already is left be. */
export function signalChild(proc: Deno.ChildProcess, sig: Deno.Signal): void {
  try {
    proc.kill(sig);
  } catch { /* gone */ }
}

/** SIGTERM, then SIGKILL when the child is still running after `graceMs`; resolves once it has exited. */
export async function stopChild(proc: Deno.ChildProcess, graceMs: number): Promise<Deno.CommandStatus> {
  signalChild(proc, "SIGTERM");
  const kill = setTimeout(() => signalChild(proc, "SIGKILL"), graceMs);
  try {
    return await proc.status;
  } finally {
    clearTimeout(kill);
  }
}
