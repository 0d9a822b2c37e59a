// The fake for the TypeScript SDK tests: `python -m mockserver serve` of the project's venv
// ($LLAMACLOUD_MOCK_PYTHON, set by `make test-sdk-ts`; default .venv/bin/python) on a free port.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const API_KEY = 'test-key';
const START_TIMEOUT_MS = 30_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** Start a fake (every response checked against the spec) with extra flags; resolves once it answers. */
export async function startServer(...flags) {
  const python = process.env.LLAMACLOUD_MOCK_PYTHON || path.join(ROOT, '.venv', 'bin', 'python');
  const port = await freePort();
  const args = ['-m', 'mockserver', 'serve', '--port', String(port), '--api-key', API_KEY, '--validate-responses'];
  const child = spawn(python, [...args, ...flags], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the fake exited with ${child.exitCode} on start:\n${output}`);
    try {
      await fetch(`${url}/_mock/clock`);
      break; // any HTTP answer will do
    } catch {
      if (Date.now() > deadline) throw new Error(`the fake did not answer on ${url}; its output:\n${output}`);
      await sleep(100);
    }
  }
  return {
    url,
    /** Move the virtual clock (servers started with --virtual-clock). */
    async advance(seconds) {
      const response = await fetch(`${url}/_mock/clock/advance`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ seconds }),
      });
      if (response.status !== 200) throw new Error(`advance: ${response.status} ${await response.text()}`);
    },
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await once(child, 'exit');
      }
    },
  };
}
