/** A TCP proxy that can cut and refuse every connection for a while: Postgres "away" without stopping it. */
export class TcpProxy {
  private listener: Deno.Listener | null = null;
  private conns = new Set<Deno.Conn>();
  paused = false;
  port = 0;

  constructor(private readonly target: { hostname: string; port: number }) {}

  start(): this {
    this.listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    this.port = (this.listener.addr as Deno.NetAddr).port;
    (async () => {
      for await (const client of this.listener!) {
        if (this.paused) {
          client.close();
          continue;
        }
        this.pipe(client).catch(() => {});
      }
    })().catch(() => {});
    return this;
  }

  private async pipe(client: Deno.Conn) {
    let upstream: Deno.Conn;
    try {
      upstream = await Deno.connect(this.target);
    } catch {
      client.close();
      return;
    }
    this.conns.add(client);
    this.conns.add(upstream);
    const close = () => {
      for (const c of [client, upstream]) {
        this.conns.delete(c);
        try {
          c.close();
        } catch { /* closed */ }
      }
    };
    await Promise.race([
      client.readable.pipeTo(upstream.writable, { preventClose: true }),
      upstream.readable.pipeTo(client.writable, { preventClose: true }),
    ]).catch(() => {});
    close();
  }

  /** Cuts every open connection and refuses new ones until resume(). */
  pause() {
    this.paused = true;
    for (const c of this.conns) {
      try {
        c.close();
      } catch { /* closed */ }
    }
    this.conns.clear();
  }

  resume() {
    this.paused = false;
  }

  stop() {
    this.pause();
    this.listener?.close();
  }
}
