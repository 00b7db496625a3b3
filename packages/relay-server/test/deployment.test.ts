import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { API_KEY, APP_SECRET, deleteKeys, dropSchemas, freePort, POSTGRES_URL, REDIS_URL, TestSocket } from './fixtures.js';

const root = new URL('../../../', import.meta.url);
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
const compose = parse(readFileSync(new URL('docker-compose.yml', root), 'utf8'), { merge: true }) as {
  services: Record<string, { environment?: Record<string, string>; command?: string[] }>;
};

/** `ENV A=1 \ B=2` of the image's final stage. */
function imageEnv(): Record<string, string> {
  const stage = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const block = /\nENV ((?:[^\n]*\\\n)*[^\n]*)/.exec(stage)?.[1] ?? '';
  return Object.fromEntries(
    block.split(/\\\n|\s+/).flatMap((pair) => (pair.includes('=') ? [pair.trim().split('=') as [string, string]] : [])),
  );
}

/** The exec-form `CMD [...]` or `HEALTHCHECK … CMD [...]` of the image. */
function imageCommand(prefix: 'CMD' | 'HEALTHCHECK'): string[] {
  const pattern = prefix === 'CMD' ? /\nCMD (\[.*\])/ : /\nHEALTHCHECK[^\n]*\\\n\s*CMD (\[.*\])/;
  return JSON.parse(pattern.exec(dockerfile)?.[1] ?? '[]') as string[];
}

/**
 * There is no Docker engine here, so the image's own start command runs as it would in the
 * container (cwd /app is deploy/image, whose node_modules the image copies) with the
 * environment of the image and of the compose file's relay service. Only what points at
 * other containers is redirected to this machine's PostgreSQL and Redis.
 */
describe('the Docker image and compose file, started outside Docker', () => {
  const schema = `deploy_${randomUUID().slice(0, 8)}`;
  const keyPrefix = `test:deploy:${schema}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'chat4all-deploy-'));
  const children: ChildProcess[] = [];

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await dropSchemas([schema]);
    await deleteKeys(keyPrefix);
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function node(): Promise<{ child: ChildProcess; port: number; env: Record<string, string> }> {
    const port = await freePort();
    const service = compose.services.relay1?.environment ?? {};
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? '',
      ...imageEnv(),
      ...service,
      CHAT4ALL_APP_SECRET: APP_SECRET,
      CHAT4ALL_API_KEY: API_KEY,
      CHAT4ALL_POSTGRES_URL: POSTGRES_URL,
      CHAT4ALL_POSTGRES_SCHEMA: schema,
      CHAT4ALL_REDIS_URL: REDIS_URL,
      CHAT4ALL_REDIS_KEY_PREFIX: keyPrefix,
      CHAT4ALL_PORT: String(port),
      CHAT4ALL_DATA_DIR: dataDir,
    };
    const [command, ...args] = imageCommand('CMD') as [string, ...string[]];
    const child = spawn(command === 'node' ? process.execPath : command, args, {
      cwd: fileURLToPath(new URL('deploy/image/', root)),
      env,
    });
    children.push(child);
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('listening on')) resolve();
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', onData);
      child.once('exit', (code) => reject(new Error(`relay exited with ${code}: ${output}`)));
    });
    return { child, port, env };
  }

  it('runs two production nodes on PostgreSQL and Redis that deliver across each other, pass the health check and stop on SIGTERM', async () => {
    expect(compose.services.relay1?.environment).toEqual(compose.services.relay2?.environment);
    const [a, b] = await Promise.all([node(), node()]);
    expect(a.env).toMatchObject({ NODE_ENV: 'production', CHAT4ALL_STORE: 'postgres', CHAT4ALL_BUS: 'redis', CHAT4ALL_HOST: '0.0.0.0' });

    const api = (port: number, method: string, path: string, body?: unknown) =>
      fetch(`http://127.0.0.1:${port}${path}`, {
        method,
        headers: { authorization: `Bearer ${API_KEY}`, 'content-type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      }).then(async (response) => ({ status: response.status, body: (await response.json()) as Record<string, unknown> }));
    await api(a.port, 'PUT', '/v1/users/ana', {});
    await api(a.port, 'PUT', '/v1/users/bob', {});
    const conversation = await api(a.port, 'POST', '/v1/conversations', { type: 'private', userId: 'bob', createdBy: 'ana' });
    const token = (await api(b.port, 'POST', '/v1/users/bob/tokens', {})).body.token as string;

    // Bob listens on node b; Ana's message is written through node a.
    const bob = await TestSocket.open(`ws://127.0.0.1:${b.port}/v1/ws?access_token=${token}`);
    await bob.next();
    const sent = await api(a.port, 'POST', `/v1/conversations/${conversation.body.id}/messages`, {
      id: randomUUID(),
      text: 'across nodes',
      senderId: 'ana',
    });
    expect(sent.status).toBe(201);
    const delivered = await bob.waitFor((frame) => frame.type === 'message.created');
    expect(delivered).toMatchObject({ type: 'message.created', message: { text: 'across nodes', seq: 1 } });

    // The image's HEALTHCHECK command passes against a live node.
    const [check, ...checkArgs] = imageCommand('HEALTHCHECK') as [string, ...string[]];
    const health = spawn(check === 'node' ? process.execPath : check, checkArgs, { env: a.env });
    expect(await new Promise((resolve) => health.once('exit', resolve))).toBe(0);

    // SIGTERM: sockets are told to go elsewhere (1001) and the process exits cleanly.
    const exited = new Promise((resolve) => b.child.once('exit', resolve));
    b.child.kill('SIGTERM');
    expect((await bob.closed).code).toBe(1001);
    expect(await exited).toBe(0);

    // The Kubernetes manifests set the same configuration as compose, probe what the node
    // serves, and scale on a metric it exposes.
    type Manifest = { kind: string; stringData?: Record<string, string>; spec?: unknown };
    const manifests = parseAllDocuments(readFileSync(new URL('deploy/k8s/relay.yaml', root), 'utf8')).map((d) => d.toJSON() as Manifest);
    const deployment = manifests.find((m) => m.kind === 'Deployment') as unknown as {
      spec: { template: { spec: { containers: Array<{ env: Array<{ name: string }>; readinessProbe: Probe; livenessProbe: Probe }> } } };
    };
    type Probe = { httpGet: { path: string } };
    const container = deployment.spec.template.spec.containers[0];
    const secret = manifests.find((m) => m.kind === 'Secret')?.stringData ?? {};
    const k8sKeys = new Set([...(container?.env ?? []).map((e) => e.name), ...Object.keys(secret)]);
    const composeKeys = Object.keys(compose.services.relay1?.environment ?? {});
    expect([...composeKeys].filter((key) => !k8sKeys.has(key))).toEqual([]);
    for (const probe of [container?.readinessProbe, container?.livenessProbe]) {
      expect((await fetch(`http://127.0.0.1:${a.port}${probe?.httpGet.path}`)).status).toBe(200);
    }
    const hpa = manifests.find((m) => m.kind === 'HorizontalPodAutoscaler') as unknown as {
      spec: { metrics: Array<{ pods?: { metric: { name: string } } }> };
    };
    const metrics = await (await fetch(`http://127.0.0.1:${a.port}/metrics`)).text();
    for (const metric of hpa.spec.metrics.flatMap((m) => (m.pods ? [m.pods.metric.name] : []))) expect(metrics).toContain(`\n${metric} `);
  });

  it('puts the relays behind a proxy that appends X-Forwarded-For, logs no query string and caps each client, and trusts exactly that one hop', () => {
    const nginx = readFileSync(new URL('deploy/nginx.conf', root), 'utf8');
    expect(nginx).toContain('proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;');
    const format = /log_format (\S+) ([^;]+);/.exec(nginx);
    expect(format?.[2]).toBeDefined();
    // $request, $request_uri, $args and $query_string all carry the query (a signed link, a WebSocket's token).
    for (const variable of ['$request ', '$request"', '$request_uri', '$args', '$query_string', '$arg_'])
      expect(format?.[2]).not.toContain(variable);
    expect(nginx).toMatch(new RegExp(`access_log \\S+ ${format?.[1]};`));
    expect(nginx).toMatch(/limit_conn chat4all_per_client \d+;/);
    // Error lines quote the request line with its query.
    expect(nginx).toMatch(/error_log \S+ crit;/);
    // compose names its one proxy by its fixed address; Kubernetes, behind one ingress, trusts one hop.
    const lb = (compose.services.lb as { networks?: { default?: { ipv4_address?: string } } } | undefined)?.networks?.default?.ipv4_address;
    expect(compose.services.relay1?.environment?.CHAT4ALL_TRUST_PROXY).toBe(lb);
    const k8s = readFileSync(new URL('deploy/k8s/relay.yaml', root), 'utf8');
    expect(k8s).toContain('{ name: CHAT4ALL_TRUST_PROXY, value: "1" }');
  });

  it('copies into the image every workspace package the relay depends on, in both build steps', () => {
    const manifest = (dir: string) =>
      JSON.parse(readFileSync(new URL(`packages/${dir}/package.json`, root), 'utf8')) as { dependencies?: Record<string, string> };
    const workspaceDeps = (dir: string): string[] =>
      Object.entries(manifest(dir).dependencies ?? {})
        .filter(([, range]) => range.startsWith('workspace:'))
        .map(([name]) => name.replace('@chat4all/', ''));
    const needed = new Set<string>(['relay-server']);
    for (const dir of needed) for (const dep of workspaceDeps(dir)) needed.add(dep);
    for (const dir of needed) {
      expect(dockerfile).toContain(`COPY packages/${dir}/package.json packages/${dir}/`);
      expect(dockerfile).toContain(`COPY packages/${dir} packages/${dir}`);
    }
  });
});
