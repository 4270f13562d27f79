// One controller process: the live controller, its leader election, the probe and metrics
// endpoints, and shutdown. The command (plugin/commands/controller) only reads flags into this.
import { createServer, type Server } from 'node:http';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import type { KubeClient } from '../kube/client.ts';
import { KubeApiError } from '../kube/client.ts';
import type { Timers } from '../timers.ts';
import { LeaderElector, type Lease, type LeaseStore } from './leader-election.ts';
import { LiveController, type Mode } from './live-controller.ts';
import type { Logger } from './log.ts';
import { ControllerMetrics } from './metrics.ts';

export interface ControllerRunOptions {
  client: KubeClient;
  timers: Timers;
  log: Logger;
  leaderElect: boolean;
  leaseNamespace: string;
  leaseName: string;
  leaseDurationMs: number;
  renewDeadlineMs: number;
  retryPeriodMs: number;
  /** `host:port`, `:port`, or null (disabled). */
  metricsAddress: string | null;
  healthAddress: string | null;
  mode: Mode;
  force: boolean;
  foreignWriterWindowMs?: number;
  /** Ends the controller (SIGTERM, SIGINT). */
  signal: AbortSignal;
  /** Each endpoint's address once listening (tests use port 0). */
  listening?: (what: 'metrics' | 'health', port: number) => void;
}

/** Why the controller ended: shut down as asked (0), or leadership lost (1, as controller-runtime exits). */
export interface ControllerExit {
  code: number;
  reason: string;
}

export async function runController(o: ControllerRunOptions): Promise<ControllerExit> {
  const identity = `${hostname()}_${randomBytes(6).toString('hex')}`;
  const metrics = new ControllerMetrics();
  let lost: ((reason: string) => void) | null = null;
  const lostLeadership = new Promise<string>((resolve) => (lost = resolve));
  let controller: LiveController | null = null;
  const elector = o.leaderElect
    ? new LeaderElector(
        {
          namespace: o.leaseNamespace,
          name: o.leaseName,
          identity,
          leaseDurationMs: o.leaseDurationMs,
          renewDeadlineMs: o.renewDeadlineMs,
          retryPeriodMs: o.retryPeriodMs,
        },
        leaseStore(o.client, o.leaseNamespace, o.leaseName),
        o.timers,
        {
          started: () => {
            o.log.info('successfully acquired lease', { lease: `${o.leaseNamespace}/${o.leaseName}`, identity });
            controller?.leadershipChanged(true);
          },
          stopped: (reason) => {
            controller?.leadershipChanged(false);
            if (o.signal.aborted) return;
            o.log.error('leader election lost', { reason, identity });
            lost?.(reason);
          },
          newLeader: (who) => {
            if (who !== identity) o.log.info('new leader elected', { leader: who });
          },
          attemptFailed: (e) => o.log.debug(1, 'lease attempt failed', { error: (e as Error).message }),
        },
      )
    : null;
  controller = new LiveController({
    client: o.client,
    timers: o.timers,
    log: o.log,
    metrics,
    elector,
    mode: o.mode,
    force: o.force,
    identity,
    ...(o.foreignWriterWindowMs !== undefined ? { foreignWriterWindowMs: o.foreignWriterWindowMs } : {}),
  });
  const live = controller;

  const servers: Server[] = [];
  const endpoints = (paths: Set<string>) =>
    createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0]!;
      if (paths.has('/metrics') && path === '/metrics') {
        void metrics.text().then((text) => {
          res.writeHead(200, { 'content-type': metrics.contentType });
          res.end(text);
        });
        return;
      }
      if (paths.has('/healthz') && path === '/healthz') {
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.end('ok');
        return;
      }
      if (paths.has('/readyz') && path === '/readyz') {
        const ready = live.ready;
        res.writeHead(ready ? 200 : 503, { 'content-type': 'text/plain' });
        res.end(ready ? 'ok' : 'caches not synced');
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found');
    });
  const listen = async (what: 'metrics' | 'health', address: string, paths: Set<string>): Promise<void> => {
    const { host, port } = parseBindAddress(address);
    const server = endpoints(paths);
    servers.push(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const actual = (server.address() as { port: number }).port;
    o.log.info(`serving ${what === 'metrics' ? '/metrics' : '/healthz and /readyz'}`, {
      address: `${host ?? ''}:${actual}`,
    });
    o.listening?.(what, actual);
  };
  // One address for both (a port other than 0 cannot be bound twice): one server answers all three paths.
  const same = o.metricsAddress !== null && o.metricsAddress === o.healthAddress && !o.metricsAddress.endsWith(':0');
  try {
    if (o.metricsAddress !== null)
      await listen('metrics', o.metricsAddress, new Set(same ? ['/metrics', '/healthz', '/readyz'] : ['/metrics']));
    if (o.healthAddress !== null && !same) await listen('health', o.healthAddress, new Set(['/healthz', '/readyz']));

    o.log.info('starting', {
      identity,
      mode: o.mode,
      leaderElection: o.leaderElect,
      server: o.client.connection.server,
    });
    const stopped = new Promise<void>((resolve) => {
      if (o.signal.aborted) resolve();
      o.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    const synced = live.start();
    await Promise.race([synced, stopped]);
    if (!o.signal.aborted) {
      if (elector) elector.start();
      else live.leadershipChanged(true);
    }
    const why = await Promise.race([stopped.then(() => null), lostLeadership]);
    await live.stop();
    if (why !== null) {
      await elector?.stop();
      return { code: 1, reason: `leader election lost: ${why}` };
    }
    o.log.info('shutting down');
    await elector?.stop();
    metrics.leader(false);
    return { code: 0, reason: 'stopped' };
  } finally {
    await live.stop();
    for (const s of servers) await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** controller-runtime's bind addresses: `:8080`, `127.0.0.1:8080`, `[::1]:8080`. */
export function parseBindAddress(address: string): { host: string | undefined; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address);
  if (!m) throw new Error(`bind address ${JSON.stringify(address)}: expected [host]:port, e.g. :8080 (0 disables)`);
  const host = m[1] ?? (m[2] || undefined);
  return { host, port: Number(m[3]) };
}

function leaseStore(client: KubeClient, namespace: string, name: string): LeaseStore {
  const base = `/apis/coordination.k8s.io/v1/namespaces/${encodeURIComponent(namespace)}/leases`;
  return {
    get: async () => {
      try {
        return await client.request<Lease>('GET', `${base}/${encodeURIComponent(name)}`, { retry: false });
      } catch (e) {
        if (e instanceof KubeApiError && e.code === 404) return null;
        throw e;
      }
    },
    create: (lease) => client.request<Lease>('POST', base, { body: lease }),
    update: (lease) => client.request<Lease>('PUT', `${base}/${encodeURIComponent(name)}`, { body: lease }),
  };
}
