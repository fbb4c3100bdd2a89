// Starting `kstone serve` for the tests: a free port, and the endpoint read
// from the start-up line once that line is complete.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';
import fs from 'node:fs';

const root = path.resolve(import.meta.dirname, '../..');
export const bin = process.env.KSTONE_BIN
  ?? path.join(process.env.CARGO_TARGET_DIR ?? path.join(root, 'target'), 'debug', 'kstone');

/**
 * The endpoint in the server's start-up line, or null while that line has not
 * fully arrived. A pipe may deliver the line in pieces, so only a line that
 * ends in a newline counts: `http://127.0.0.1:4` is a prefix of port 45678.
 */
export function endpointFrom(stderrSoFar) {
  for (const line of stderrSoFar.split('\n').slice(0, -1)) {
    const m = /^kstone serve: listening on (http:\/\/\S+) /.exec(line);
    if (m) return m[1];
  }
  return null;
}

/** Start `kstone serve` on a free port; resolves with { proc, endpoint, stop }. */
export async function startServer(args = []) {
  assert.ok(fs.existsSync(bin), `kstone binary not found at ${bin} (run cargo build -p kstone-cli first)`);
  const proc = spawn(bin, ['serve', '--in-memory', '--port', '0', '--log-level', 'warn', ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let seen = '';
  const endpoint = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start: ${seen}`)), 20000);
    proc.stderr.setEncoding('utf8');
    proc.stderr.on('data', (chunk) => {
      seen += chunk;
      const found = endpointFrom(seen);
      if (found) {
        clearTimeout(timer);
        resolve(found);
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}: ${seen}`));
    });
  });
  const stop = async () => {
    if (proc.exitCode === null && proc.signalCode === null) {
      proc.kill('SIGTERM');
      await once(proc, 'exit');
    }
  };
  return { proc, endpoint, stop, stderr: () => seen };
}
