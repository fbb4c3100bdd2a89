// A small static file server for the web demo and the browser tests.
//
//   node scripts/serve.mjs [--port 8080] [--host 127.0.0.1]
//
// It serves web-demo/ at "/", and the package's files under "/keystonedb/":
// the built wasm at /keystonedb/pkg/ (wasm/pkg/) and the wrapper as the
// package ships it (minified, wasm/dist/) at /keystonedb/js/, keeping their
// relative layout so the wrapper's `new URL('../pkg/…', import.meta.url)`
// resolves as in the installed package. The host is 127.0.0.1: a loopback
// origin is a secure context, which OPFS needs, and nothing is exposed to the
// network. `.wasm` goes out as application/wasm, which
// WebAssembly.instantiateStreaming requires.
//
// Tests import { startServer } and get the server's URL back; port 0 picks a
// free port.
import { createServer } from 'node:http';
import { createReadStream, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** URL prefix -> directory, longest prefix first. */
export function defaultMounts() {
  return [
    ['/keystonedb/pkg/', path.join(root, 'wasm/pkg')],
    ['/keystonedb/js/', path.join(root, 'wasm/dist')],
    ['/', path.join(root, 'web-demo')],
  ];
}

function resolve(mounts, urlPath) {
  for (const [prefix, dir] of mounts) {
    if (!urlPath.startsWith(prefix)) continue;
    const rest = urlPath.slice(prefix.length);
    const file = path.resolve(dir, '.' + path.posix.normalize('/' + rest));
    // normalize() above already removes "..", this guards symlink-free escapes.
    if (file !== dir && !file.startsWith(dir + path.sep)) return null;
    return file;
  }
  return null;
}

/**
 * Start serving. Resolves to { server, url, close() } once listening.
 * @param {{port?: number, host?: string, mounts?: [string, string][], quiet?: boolean}} options
 */
export async function startServer({ port = 8080, host = '127.0.0.1', mounts = defaultMounts(), quiet = true } = {}) {
  const server = createServer(async (req, res) => {
    let urlPath;
    try {
      urlPath = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    let file = resolve(mounts, urlPath);
    if (file === null) {
      res.writeHead(404).end('not found');
      return;
    }
    try {
      let stat = await fs.stat(file);
      if (stat.isDirectory()) {
        file = path.join(file, 'index.html');
        stat = await fs.stat(file);
      }
      res.writeHead(200, {
        'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Content-Length': stat.size,
        'Cache-Control': 'no-cache',
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
    }
    if (!quiet) console.log(`${req.method} ${urlPath}`);
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, ok);
  });
  const address = server.address();
  const url = `http://${host}:${address.port}/`;
  return { server, url, close: () => new Promise((ok) => server.close(ok)) };
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const option = (name, fallback) => {
    const i = args.indexOf(name);
    return i >= 0 && i + 1 < args.length ? args[i + 1] : fallback;
  };
  const port = Number(option('--port', process.env.PORT ?? 8080));
  const host = option('--host', '127.0.0.1');
  try {
    const { url } = await startServer({ port, host });
    console.log(`
KeystoneDB web demo: ${url}
  A notes app whose data lives in a KeystoneDB database in this browser's private file system
  (OPFS): the engine, compiled to WebAssembly, runs in a Web Worker. Add notes, reload, they stay.
  "Download the database file" saves notes.keystone; the DynamoDB console sends any operation
  through db.send(operation, request). Ctrl-C stops the server.

Open the downloaded file with the command line, natively or under WASI:
  cargo run -p kstone-cli -- tables notes.keystone
  cargo run -p kstone-cli -- query notes.keystone 'SELECT * FROM "Notes"'
  cargo build -p kstone-cli --target wasm32-wasip1 --release
  KSTONE_WASI_DIR=. scripts/wasi-run.sh target/wasm32-wasip1/release/kstone.wasm tables notes.keystone
`);
  } catch (error) {
    console.error(`serve: cannot listen on ${host}:${port}: ${error.message}`);
    process.exit(1);
  }
}
