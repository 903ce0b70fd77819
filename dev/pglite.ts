/**
 * An embedded Postgres for `deno task start` when no DATABASE_URL is given: PGlite served over the Postgres
 * wire protocol, data under .data/pglite. Usage: deno run -A dev/pglite.ts [port] [dataDir]
 */
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { createLogger } from "@painchain/shared/internal";

const port = Number(Deno.args[0] ?? "5433");
const dataDir = Deno.args[1] ?? ".data/pglite";
const log = createLogger({ service: "pglite" });
await Deno.mkdir(dataDir, { recursive: true });
const db = await PGlite.create(dataDir);
const server = new PGLiteSocketServer({ db, port, host: "127.0.0.1", maxConnections: 32 });
await server.start();
log.info("Embedded Postgres listening", { url: `postgres://postgres@127.0.0.1:${port}/postgres`, dataDir });

const stop = async () => {
  await server.stop();
  await db.close();
  Deno.exit(0);
};
Deno.addSignalListener("SIGTERM", stop);
Deno.addSignalListener("SIGINT", stop);
