/**
 * Runs `deno task start` as `deno.json` defines it (its command, with Deno's own executable) in a
 * subprocess, for tests of the permissions and of crashes: the launcher's output lines, the
 * service's port and the pid of the service process the launcher started.
 */
import { waitUntil } from "./ws_test_client.ts";

const ROOT = new URL("../../", import.meta.url);

/** The `start` task's command from `deno.json`, split into arguments (no shell features used). */
export async function startTaskCommand(): Promise<string[]> {
  const json = JSON.parse(await Deno.readTextFile(new URL("deno.json", ROOT)));
  const task = json.tasks.start;
  const command: string = typeof task === "string" ? task : task.command;
  if (/[|&;<>$`"']/.test(command)) throw new Error(`start task needs a shell: ${command}`);
  const [program, ...args] = command.trim().split(/\s+/);
  if (program !== "deno") throw new Error(`start task does not run deno: ${command}`);
  return args;
}

/** A running `deno task start`. */
export class StartTask {
  readonly child: Deno.ChildProcess;
  readonly lines: string[] = [];
  readonly #done: Promise<void>;

  private constructor(child: Deno.ChildProcess) {
    this.child = child;
    const pump = async (stream: ReadableStream<Uint8Array<ArrayBuffer>>) => {
      let rest = "";
      for await (const text of stream.pipeThrough(new TextDecoderStream())) {
        const parts = (rest + text).split("\n");
        rest = parts.pop()!;
        this.lines.push(...parts);
      }
      if (rest) this.lines.push(rest);
    };
    this.#done = Promise.all([pump(child.stdout), pump(child.stderr)]).then(() => {});
  }

  /** Starts the task with the service's arguments (`--config`, `--record`, …). */
  static async start(args: readonly string[]): Promise<StartTask> {
    const child = new Deno.Command(Deno.execPath(), {
      args: [...await startTaskCommand(), ...args],
      cwd: new URL(".", ROOT),
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
      env: { NO_COLOR: "1" },
    }).spawn();
    return new StartTask(child);
  }

  /** Waits for an output line matching `re`; returns its match. */
  async line(re: RegExp, timeoutMs = 30_000): Promise<RegExpExecArray> {
    let m: RegExpExecArray | null = null;
    await waitUntil(
      () => this.lines.some((l) => (m = re.exec(l)) !== null),
      timeoutMs,
      `output line ${re}`,
    ).catch((e) => {
      throw new Error(`${e.message}\n${this.lines.join("\n")}`);
    });
    return m!;
  }

  /** The service's HTTP port (from its `listening on` line). */
  async port(): Promise<number> {
    return Number((await this.line(/listening on http:\/\/[^:]+:(\d+)\//))[1]);
  }

  /** The pid of the service process (the launcher's only child; Linux `/proc`). */
  async servicePid(): Promise<number> {
    const pids: number[] = [];
    for await (const t of Deno.readDir(`/proc/${this.child.pid}/task`)) {
      const text = await Deno.readTextFile(`/proc/${this.child.pid}/task/${t.name}/children`);
      pids.push(...text.trim().split(/\s+/).filter(Boolean).map(Number));
    }
    if (pids.length !== 1) throw new Error(`launcher has ${pids.length} children`);
    return pids[0];
  }

  /** The command line of a process (Linux `/proc`). */
  static async commandLine(pid: number): Promise<string[]> {
    const raw = await Deno.readTextFile(`/proc/${pid}/cmdline`);
    return raw.split("\0").filter((a) => a !== "");
  }

  /** Waits for the launcher to exit; returns its status and every output line. */
  async exit(): Promise<Deno.CommandStatus> {
    const status = await this.child.status;
    await this.#done;
    return status;
  }

  /** SIGTERM to the launcher (forwarded to the service) and wait for both to end. */
  async stop(): Promise<Deno.CommandStatus> {
    try {
      this.child.kill("SIGTERM");
    } catch { /* already exited */ }
    return await this.exit();
  }
}
