// Controller processes for tests: the built `kubectl-promotion controller`, started against a
// served rehearsal with short lease timings, its JSON log read line by line.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = `${root}dist/kubectl-promotion.mjs`;

/** A lone run of a file builds dist/ if it is missing (`npm test` builds it first). */
export function ensureBuilt(): void {
  if (!existsSync(BIN)) spawnSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: 'inherit' });
}

export type LogRecord = Record<string, unknown> & { level: string; msg: string };

/** Fast leader election (and still safe on a busy machine): taken over 4 s after the leader's last renewal. */
export const LEASE_MS = 4_000;
export const RETRY_MS = 500;
export const FAST_LEASE = [
  `--leader-elect-lease-duration=${LEASE_MS}ms`,
  '--leader-elect-renew-deadline=3s',
  `--leader-elect-retry-period=${RETRY_MS}ms`,
];

export class ControllerProcess {
  readonly child: ChildProcess;
  readonly records: LogRecord[] = [];
  readonly #waiters = new Set<() => void>();
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  stderr = '';

  constructor(
    readonly name: string,
    kubeconfig: string,
    args: string[] = [],
  ) {
    this.child = spawn(
      process.execPath,
      [
        BIN,
        'controller',
        '--kubeconfig',
        kubeconfig,
        '--metrics-bind-address=127.0.0.1:0',
        '--health-probe-bind-address=127.0.0.1:0',
        ...args,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const lines = createInterface({ input: this.child.stderr! });
    lines.on('line', (line) => {
      this.stderr += `${line}\n`;
      try {
        this.records.push(JSON.parse(line) as LogRecord);
      } catch {
        this.records.push({ level: 'raw', msg: line });
      }
      for (const w of [...this.#waiters]) w();
    });
    this.exited = new Promise((resolve) => this.child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /** The first record `match` accepts, waiting for it (with a deadline, naming what was logged). */
  async waitFor(match: (r: LogRecord) => boolean, what: string, ms = 60_000): Promise<LogRecord> {
    const found = () => this.records.find(match);
    const deadline = Date.now() + ms;
    for (;;) {
      const r = found();
      if (r) return r;
      if (Date.now() > deadline || this.child.exitCode !== null)
        throw new Error(`${this.name}: no ${what} within ${ms}ms; it logged:\n${this.stderr}`);
      await new Promise<void>((resolve) => {
        const done = () => {
          this.#waiters.delete(done);
          clearTimeout(t);
          resolve();
        };
        const t = setTimeout(done, 100);
        this.#waiters.add(done);
      });
    }
  }

  port(what: 'metrics' | 'health'): number | undefined {
    const label = what === 'metrics' ? 'serving /metrics' : 'serving /healthz and /readyz';
    const r = this.records.find((x) => x.msg === label);
    return r ? Number(String(r.address).split(':').pop()) : undefined;
  }

  identity(): string | undefined {
    return this.records.find((r) => r.msg === 'starting')?.identity as string | undefined;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }
}
