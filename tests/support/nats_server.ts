/**
 * A real `nats-server` for tests (never a fake): started on a free loopback port with JetStream
 * (`-js`) and a temporary store directory, stopped and restarted on the same port and store (so
 * a file-store stream survives), and a three-node JetStream cluster with routes on loopback.
 *
 * Tests that need it skip when the binary is not installed: `ignore: !NATS_SERVER_INSTALLED`.
 *
 * @module
 */

/** Where Debian's `nats-server` package installs the binary (`NATS_SERVER` overrides). */
export const NATS_SERVER_BIN = Deno.env.get("NATS_SERVER") ?? "/usr/sbin/nats-server";

/** Whether the binary exists (tests use `ignore: !NATS_SERVER_INSTALLED`). */
export const NATS_SERVER_INSTALLED: boolean = (() => {
  try {
    return Deno.statSync(NATS_SERVER_BIN).isFile;
  } catch {
    return false;
  }
})();

/** A free TCP port on 127.0.0.1 (bound, read and released). */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** Resolves once a TCP connection to the port succeeds; rejects after `timeoutMs`. */
async function waitForPort(port: number, timeoutMs: number, what: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const conn = await Deno.connect({ hostname: "127.0.0.1", port });
      conn.close();
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`nats-server did not listen: ${what()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
}

/** Options of {@linkcode NatsServer.start}. */
export interface NatsServerOptions {
  /** Client port (default: a free one). */
  port?: number;
  /** JetStream store directory (default: a new temporary directory, removed by `stop`). */
  storeDir?: string;
  /** Server name (needed in a cluster). */
  name?: string;
  /** Cluster: this node's route port, the cluster name and every node's route port. */
  cluster?: { name: string; port: number; routes: number[] };
}

/**
 * One `nats-server` process.
 *
 * @example
 * ```ts ignore
 * const server = await NatsServer.start();
 * // ... connect to server.url ...
 * await server.restart(); // same port, same store: file-store streams survive
 * await server.stop();
 * ```
 */
export class NatsServer {
  readonly port: number;
  readonly storeDir: string;
  readonly #options: NatsServerOptions;
  readonly #ownStore: boolean;
  #child: Deno.ChildProcess | undefined;
  #output = "";
  #drained: Promise<void> | undefined;

  private constructor(port: number, storeDir: string, ownStore: boolean, o: NatsServerOptions) {
    this.port = port;
    this.storeDir = storeDir;
    this.#ownStore = ownStore;
    this.#options = o;
  }

  /** Starts a server and waits until it accepts connections. */
  static async start(options: NatsServerOptions = {}): Promise<NatsServer> {
    const ownStore = options.storeDir === undefined;
    const storeDir = options.storeDir ?? await Deno.makeTempDir({ prefix: "alphapulse_nats_" });
    const server = new NatsServer(options.port ?? freePort(), storeDir, ownStore, options);
    await server.#spawn();
    return server;
  }

  /** `nats://127.0.0.1:<port>`. */
  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  /** The process id while it runs (for CPU figures from `/proc`). */
  get pid(): number | undefined {
    return this.#child?.pid;
  }

  /** Whether the process runs. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** The server's log so far (stderr), for failure messages. */
  get output(): string {
    return this.#output;
  }

  async #spawn(): Promise<void> {
    const o = this.#options;
    const args = ["-js", "--store_dir", this.storeDir, "-a", "127.0.0.1", "-p", String(this.port)];
    if (o.name) args.push("-n", o.name);
    if (o.cluster) {
      args.push(
        "--cluster_name",
        o.cluster.name,
        "--cluster",
        `nats://127.0.0.1:${o.cluster.port}`,
        "--routes",
        o.cluster.routes.map((p) => `nats://127.0.0.1:${p}`).join(","),
      );
    }
    const child = new Deno.Command(NATS_SERVER_BIN, {
      args,
      stdin: "null",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    this.#child = child;
    this.#drained = (async () => {
      for await (const text of child.stderr.pipeThrough(new TextDecoderStream())) {
        this.#output = (this.#output + text).slice(-20_000);
      }
    })().catch(() => {});
    await waitForPort(this.port, 10_000, () => this.#output.slice(-500));
  }

  /** Stops the process (SIGTERM, then SIGKILL after 3 s); keeps the store. */
  async kill(signal: Deno.Signal = "SIGTERM"): Promise<void> {
    const child = this.#child;
    if (!child) return;
    this.#child = undefined;
    try {
      child.kill(signal);
    } catch { /* exited */ }
    const timer = setTimeout(() => {
      try {
        child.kill("SIGKILL");
      } catch { /* exited */ }
    }, 3000);
    await child.status;
    clearTimeout(timer);
    await this.#drained;
  }

  /** Stops and starts again on the same port with the same store. */
  async restart(): Promise<void> {
    await this.kill();
    await this.#spawn();
  }

  /** Starts a stopped server again (same port, same store). */
  async resume(): Promise<void> {
    if (!this.#child) await this.#spawn();
  }

  /** Stops the process and removes the store directory when it created it. */
  async stop(): Promise<void> {
    await this.kill();
    if (this.#ownStore) await Deno.remove(this.storeDir, { recursive: true }).catch(() => {});
  }
}

/**
 * A JetStream cluster of `size` nodes on loopback (routes between them), each with its own
 * store.
 *
 * @example
 * ```ts ignore
 * const cluster = await NatsCluster.start(3);
 * // connect with servers: cluster.urls
 * await cluster.nodes[1].kill();
 * await cluster.stop();
 * ```
 */
export class NatsCluster {
  readonly nodes: readonly NatsServer[];
  readonly #root: string;

  private constructor(nodes: NatsServer[], root: string) {
    this.nodes = nodes;
    this.#root = root;
  }

  /** Starts every node (they form the cluster and elect a JetStream meta leader). */
  static async start(size = 3): Promise<NatsCluster> {
    const root = await Deno.makeTempDir({ prefix: "alphapulse_nats_cluster_" });
    const routes = Array.from({ length: size }, () => freePort());
    const nodes = await Promise.all(routes.map((routePort, i) =>
      NatsServer.start({
        name: `n${i + 1}`,
        storeDir: `${root}/n${i + 1}`,
        cluster: { name: "alphapulse_test", port: routePort, routes },
      })
    ));
    return new NatsCluster(nodes, root);
  }

  /** Every node's client URL. */
  get urls(): string[] {
    return this.nodes.map((n) => n.url);
  }

  /** Stops every node and removes the stores. */
  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill()));
    await Deno.remove(this.#root, { recursive: true }).catch(() => {});
  }
}
