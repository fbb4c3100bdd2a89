// The JavaScript the package ships, minified with esbuild (a devDependency):
//
//   wasm/js/*.js      the wrapper's readable sources (what the repo edits)
//     -> wasm/dist/*.js   minified ES modules, one per source file, each with
//                         a source map (sources embedded) beside it
//   wasm/pkg/kstone.js the wasm-bindgen glue, minified in place
//
// Files are minified one by one, not bundled, so the layout the wrapper
// relies on stays: the worker client is still imported only when 'opfs'
// storage is first used, the worker is still found at
// `new URL('./worker.js', import.meta.url)` and the module at
// `new URL('../pkg/kstone_bg.wasm', import.meta.url)`. Names are kept
// (`Database.name` is 'Database'), so stack traces and the console read as
// the sources do. The exports map of package.json points into wasm/dist/.
//
//   node scripts/build-js.mjs      (build-wasm.sh runs it after wasm-bindgen)
import { build } from 'esbuild';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const sources = path.join(root, 'wasm/js');
const dist = path.join(root, 'wasm/dist');
const glue = path.join(root, 'wasm/pkg/kstone.js');

const common = { format: 'esm', minify: true, keepNames: true, logLevel: 'warning' };

const entryPoints = (await readdir(sources)).filter((f) => f.endsWith('.js')).map((f) => path.join(sources, f));
await rm(dist, { recursive: true, force: true });
await build({ ...common, entryPoints, outdir: dist, sourcemap: true });
await build({ ...common, entryPoints: [glue], outfile: glue, allowOverwrite: true });
