import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server, type Socket, connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deleteKeys, dropSchemas, freePort, POSTGRES_URL, REDIS_URL } from '@chat4all/relay-server/testing';
import postgres from 'postgres';
import { relayProcess } from './relay.js';

/**
 * A TCP load balancer in front of relay nodes: each new connection goes to the next node in
 * turn, skipping nodes that refuse it. WebSockets pass through untouched, as with any L4
 * balancer. Nagle's algorithm is off on both legs, as nginx and HAProxy have it by default;
 * with it on, each small frame would wait for the delayed ACK of the one before.
 */
export async function balancer(ports: readonly number[]): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  let next = 0;
  const open = new Set<Socket>();
  const server: Server = createServer({ noDelay: true }, (downstream) => {
    open.add(downstream);
    downstream.on('close', () => open.delete(downstream));
    downstream.on('error', () => {});
    const attempt = (tries: number) => {
      if (tries >= ports.length) return downstream.destroy();
      const port = ports[next++ % ports.length] as number;
      const upstream = tcpConnect({ port, host: '127.0.0.1', noDelay: true });
      upstream.once('error', () => {
        if (upstream.connecting || !upstream.remoteAddress) attempt(tries + 1);
        else downstream.destroy();
      });
      upstream.once('connect', () => {
        open.add(upstream);
        upstream.on('close', () => {
          open.delete(upstream);
          downstream.destroy();
        });
        upstream.on('error', () => downstream.destroy());
        downstream.on('close', () => upstream.destroy());
        downstream.pipe(upstream);
        upstream.pipe(downstream);
      });
    };
    attempt(0);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    /** Drops every open connection, as a network blip would; new ones are accepted. */
    cut: () => {
      for (const socket of open) socket.destroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/**
 * N relay processes on PostgreSQL and Redis, each in its own schema and key prefix so runs
 * never see each other's data. `kill(i)` is `kill -9`; `restart(i)` brings the node back on
 * the same port.
 */
export async function cluster(size: number, options: { redisUrl?: string; postgresUrl?: string; env?: Record<string, string> } = {}) {
  const id = randomBytes(5).toString('hex');
  const schema = `cluster_${id}`;
  const keyPrefix = `test:cluster:${id}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'chat4all-cluster-'));
  const env = {
    CHAT4ALL_STORE: 'postgres',
    CHAT4ALL_POSTGRES_URL: options.postgresUrl ?? POSTGRES_URL,
    CHAT4ALL_POSTGRES_SCHEMA: schema,
    CHAT4ALL_POSTGRES_POOL_SIZE: '4',
    CHAT4ALL_BUS: 'redis',
    CHAT4ALL_REDIS_URL: options.redisUrl ?? REDIS_URL,
    CHAT4ALL_REDIS_KEY_PREFIX: keyPrefix,
    ...options.env,
  };
  const ports = await Promise.all(Array.from({ length: size }, () => freePort()));
  const nodes = ports.map((port) => relayProcess(port, dataDir, env));
  // A node that fails to start takes the others down with it, so none outlives the test.
  const lb = await Promise.all(nodes.map((node) => node.ready))
    .then(() => balancer(ports))
    .catch(async (error: unknown) => {
      for (const node of nodes) node.child.kill('SIGKILL');
      if (!options.postgresUrl) await dropSchemas([schema]);
      await deleteKeys(keyPrefix, options.redisUrl);
      rmSync(dataDir, { recursive: true, force: true });
      throw error;
    });
  const sql = postgres(options.postgresUrl ?? POSTGRES_URL, { max: 2, onnotice: () => {}, connection: { search_path: schema } });
  return {
    url: lb.url,
    ports,
    /** The address of one node, bypassing the balancer. */
    nodeUrl: (index: number) => `http://127.0.0.1:${ports[index]}`,
    schema,
    keyPrefix,
    sql,
    kill(index: number): void {
      nodes[index]?.child.kill('SIGKILL');
    },
    async restart(index: number): Promise<void> {
      const old = nodes[index];
      if (old && old.child.exitCode === null && old.child.signalCode === null)
        await new Promise((resolve) => old.child.once('exit', resolve));
      const node = relayProcess(ports[index] as number, dataDir, env);
      nodes[index] = node;
      await node.ready;
    },
    /** Cuts every database connection the nodes hold (as a failover or a network blip would). */
    async cutDatabase(): Promise<number> {
      const rows = await sql`SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = ${`chat4all-relay:${schema}`}`;
      return rows.length;
    },
    /** `chat4all_errors_total` for one code, summed over the nodes. */
    async errorCount(code: string): Promise<number> {
      let total = 0;
      for (const port of ports) {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        for (const match of text.matchAll(new RegExp(`^chat4all_errors_total\\{[^}]*code="${code}"[^}]*\\} (\\d+)`, 'gm')))
          total += Number(match[1]);
      }
      return total;
    },
    async close(): Promise<void> {
      await lb.close();
      for (const node of nodes) node.child.kill('SIGKILL');
      await sql.end();
      if (!options.postgresUrl) await dropSchemas([schema]);
      await deleteKeys(keyPrefix, options.redisUrl);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A private redis-server on its own port, with nothing on disk, that a test may kill and start again empty. */
export async function redisServer() {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no']);
    child = server;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      server.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) resolve();
      });
      server.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    start,
    /** `kill -9`: whatever it held is gone. */
    async stop(): Promise<void> {
      const server = child;
      if (!server || server.exitCode !== null || server.signalCode !== null) return;
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGKILL');
      await exited;
    },
  };
}

/** Starts `redis-server` with `args`; resolves once its log has said `ready` (a line it prints when it is up). */
async function startRedis(args: readonly string[], ready: string): Promise<{ child: ChildProcess; log: () => string }> {
  const server = spawn('redis-server', [...args]);
  let output = '';
  server.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await new Promise<void>((resolve, reject) => {
    const check = () => {
      if (!output.includes(ready)) return;
      server.stdout?.off('data', check);
      resolve();
    };
    server.stdout?.on('data', check);
    server.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
  });
  return { child: server, log: () => output };
}

/**
 * A Redis primary, a replica of it and a Sentinel watching them (quorum 1, the primary down
 * after 500 ms without an answer), each a real process on its own port with nothing on disk.
 * `killPrimary()` is `kill -9`; `failedOver` resolves when the Sentinel has promoted the replica.
 */
export async function redisSentinel(name: string) {
  const [primaryPort, replicaPort, sentinelPort] = await Promise.all([freePort(), freePort(), freePort()]);
  const dir = mkdtempSync(join(tmpdir(), 'chat4all-sentinel-'));
  // The replica's first sync writes a snapshot: into the test's own directory.
  const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir];
  const primary = await startRedis(['--port', String(primaryPort), ...common], 'Ready to accept connections');
  const replica = await startRedis(
    ['--port', String(replicaPort), ...common, '--replicaof', '127.0.0.1', String(primaryPort)],
    'MASTER <-> REPLICA sync: Finished with success',
  );
  const config = join(dir, 'sentinel.conf');
  writeFileSync(
    config,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor ${name} 127.0.0.1 ${primaryPort} 1`,
      `sentinel down-after-milliseconds ${name} 500`,
      `sentinel failover-timeout ${name} 5000`,
      '',
    ].join('\n'),
  );
  const sentinel = await startRedis([config, '--sentinel'], `+monitor master ${name}`);
  const failedOver = new Promise<void>((resolve) => {
    const check = () => {
      if (!sentinel.log().includes(`+switch-master ${name}`)) return;
      sentinel.child.stdout?.off('data', check);
      resolve();
    };
    sentinel.child.stdout?.on('data', check);
  });
  const stop = async (child: ChildProcess) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  };
  return {
    sentinels: `127.0.0.1:${sentinelPort}`,
    primaryUrl: `redis://127.0.0.1:${primaryPort}`,
    replicaUrl: `redis://127.0.0.1:${replicaPort}`,
    killPrimary: () => stop(primary.child),
    failedOver,
    async close(): Promise<void> {
      for (const each of [sentinel, replica, primary]) await stop(each.child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** This machine's PostgreSQL server programs (initdb, postgres, pg_basebackup, pg_ctl). */
function postgresBin(): string {
  const versions = readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a));
  if (versions.length === 0) throw new Error('PostgreSQL server programs not found under /usr/lib/postgresql');
  return `/usr/lib/postgresql/${versions[0]}/bin`;
}

/**
 * A PostgreSQL primary with a synchronous streaming replica (every commit acknowledged by the
 * primary is on the replica too), each a real server in its own process group on its own port,
 * run as the `postgres` user in a temporary directory. `url` names both hosts with
 * `target_session_attrs=primary`, as an application reaches a replicated database without a
 * proxy. `failover()` does what a failover manager (Patroni, pg_auto_failover) does: the primary's
 * whole process group is killed (`kill -9`), the replica promoted, and, with no replica left to
 * wait for, `synchronous_standby_names` cleared on it.
 */
export async function postgresFailover() {
  const bin = postgresBin();
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  const [primaryPort, replicaPort] = await Promise.all([freePort(), freePort()]);
  const dir = mkdtempSync(join(tmpdir(), 'chat4all-pg-failover-'));
  chownSync(dir, uid, gid);
  const asPostgres = (program: string, args: readonly string[]) =>
    execFileSync(join(bin, program), [...args], { uid, gid, cwd: dir, stdio: 'pipe', env: { PATH: process.env.PATH ?? '' } });
  const primaryDir = join(dir, 'primary');
  const replicaDir = join(dir, 'replica');
  asPostgres('initdb', ['-D', primaryDir, '--auth=trust', '-U', 'postgres', '--no-sync']);
  appendFileSync(
    join(primaryDir, 'postgresql.conf'),
    [
      `port = ${primaryPort}`,
      "listen_addresses = '127.0.0.1'",
      `unix_socket_directories = '${dir}'`,
      'wal_level = replica',
      'max_wal_senders = 5',
      "synchronous_standby_names = '*'",
      '',
    ].join('\n'),
  );
  const servers: ChildProcess[] = [];
  const start = async (dataDir: string, port: number) => {
    // Its own process group (detached), so killing it takes its backends with it, as a crashed machine would.
    const server = spawn(join(bin, 'postgres'), ['-D', dataDir], { uid, gid, cwd: dir, detached: true, stdio: 'ignore' });
    servers.push(server);
    const probe = postgres(`postgres://postgres@127.0.0.1:${port}/postgres`, { max: 1, onnotice: () => {}, connect_timeout: 1 });
    try {
      for (let attempt = 0; ; attempt++) {
        try {
          await probe`SELECT 1`;
          return server;
        } catch (error) {
          if (attempt > 100 || server.exitCode !== null) throw error;
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
      }
    } finally {
      await probe.end();
    }
  };
  const killGroup = (server: ChildProcess) => {
    if (server.pid === undefined || server.exitCode !== null || server.signalCode !== null) return Promise.resolve();
    const exited = new Promise((resolve) => server.once('exit', resolve));
    try {
      process.kill(-server.pid, 'SIGKILL');
    } catch {
      return Promise.resolve();
    }
    return exited;
  };
  const close = async () => {
    for (const server of servers) await killGroup(server);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const primary = await start(primaryDir, primaryPort);
    asPostgres('pg_basebackup', ['-h', '127.0.0.1', '-p', String(primaryPort), '-U', 'postgres', '-D', replicaDir, '-R', '-X', 'stream']);
    appendFileSync(join(replicaDir, 'postgresql.conf'), `port = ${replicaPort}\n`);
    await start(replicaDir, replicaPort);
    const onPrimary = postgres(`postgres://postgres@127.0.0.1:${primaryPort}/postgres`, { max: 1, onnotice: () => {} });
    try {
      for (let attempt = 0; (await onPrimary`SELECT sync_state FROM pg_stat_replication`)[0]?.sync_state !== 'sync'; attempt++) {
        if (attempt > 100) throw new Error('the replica never became synchronous');
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    } finally {
      await onPrimary.end();
    }
    return {
      url: `postgres://postgres@127.0.0.1:${primaryPort},127.0.0.1:${replicaPort}/postgres?target_session_attrs=primary`,
      replicaUrl: `postgres://postgres@127.0.0.1:${replicaPort}/postgres`,
      async failover(): Promise<void> {
        await killGroup(primary);
        asPostgres('pg_ctl', ['promote', '-w', '-D', replicaDir]);
        const promoted = postgres(`postgres://postgres@127.0.0.1:${replicaPort}/postgres`, { max: 1, onnotice: () => {} });
        try {
          await promoted`ALTER SYSTEM SET synchronous_standby_names = ''`;
          await promoted`SELECT pg_reload_conf()`;
        } finally {
          await promoted.end();
        }
      },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}
