// Child processes with prefixed logs, readiness, and orderly shutdown. Children run in their own
// process groups, so a terminal's Ctrl-C reaches only the launcher, which then stops them in order
// (database last); a child whose launcher dies sees its IPC channel close and exits.
import { spawn, type ChildProcess } from "node:child_process";
import readline from "node:readline";

const COLOURS = [36, 35, 33, 32, 34, 31, 96, 95];
let colourIndex = 0;

export interface Child {
  name: string;
  proc: ChildProcess;
  exited: Promise<number | null>;
  /** Resolves with the child's `{ type: "ready" }` IPC message. */
  ready: Promise<Record<string, unknown>>;
  stop(timeoutMs?: number): Promise<void>;
}

export function prefixer(name: string) {
  const colour = COLOURS[colourIndex++ % COLOURS.length];
  const tag = process.stdout.isTTY ? `\x1b[${colour}m[${name}]\x1b[0m` : `[${name}]`;
  return (line: string) => `${tag} ${line}`;
}

export function startChild(
  name: string,
  command: string,
  args: string[],
  opts: { cwd?: string; env: NodeJS.ProcessEnv; onUnexpectedExit?: (code: number | null) => void },
): Child {
  const proc = spawn(command, args, {
    cwd: opts.cwd,
    env: opts.env,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
    detached: true,
  });
  const prefix = prefixer(name);
  readline.createInterface({ input: proc.stdout! }).on("line", (l) => console.log(prefix(l)));
  readline.createInterface({ input: proc.stderr! }).on("line", (l) => console.error(prefix(l)));

  let stopping = false;
  const exited = new Promise<number | null>((resolve) => {
    proc.on("exit", (code, signal) => {
      if (!stopping && opts.onUnexpectedExit) opts.onUnexpectedExit(code ?? (signal ? 1 : null));
      resolve(code);
    });
  });
  const ready = new Promise<Record<string, unknown>>((resolve, reject) => {
    proc.on("message", (m: Record<string, unknown>) => {
      if (m?.type === "ready") resolve(m);
    });
    exited.then((code) => reject(new Error(`${name} exited (code ${code}) before it was ready`)));
  });
  ready.catch(() => {});

  return {
    name,
    proc,
    exited,
    ready,
    async stop(timeoutMs = 10_000) {
      stopping = true;
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      const timer = setTimeout(() => {
        // Last resort: the whole group, so nothing the child started survives it.
        try {
          process.kill(-proc.pid!, "SIGKILL");
        } catch {
          /* already gone */
        }
      }, timeoutMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls an HTTP URL until it answers (any status below 500). */
export async function waitForHttp(url: string, child: Child, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let exited = false;
  child.exited.then(() => (exited = true));
  while (Date.now() < deadline && !exited) {
    try {
      const res = await fetch(url, { redirect: "manual", signal: AbortSignal.timeout(2_000) });
      if (res.status < 500) return;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(exited ? `${child.name} exited before it was ready` : `${child.name} not ready at ${url} after ${timeoutMs / 1000}s`);
}
