// Builds transformer.wasm from src/transformer.js with componentize-js.
//
// componentize-js compiles ONE ES module: it does not resolve imports of other
// files or packages. So esbuild first bundles src/transformer.js and what it
// imports (the kit, kait-plugin-kit) into a single module, leaving the WIT
// imports (`kait:plugin/...`) to the component. componentize-js then embeds a
// JavaScript engine (SpiderMonkey, via StarlingMonkey) in the component and
// pre-initialises it with the module (Wizer), so the output is a self-contained
// WebAssembly component of the `transformer` world.

import { componentize } from '@bytecodealliance/componentize-js';
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

await mkdir(here('./dist'), { recursive: true });
await build({
  entryPoints: [here('./src/transformer.js')],
  outfile: here('./dist/transformer.js'),
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  external: ['kait:plugin/*'],
  logLevel: 'warning',
});

const { component } = await componentize({
  sourcePath: here('./dist/transformer.js'),
  witPath: here('../../wit'), // the folder holding plugin.wit
  worldName: 'transformer',
  // The engine's default build also imports wasi:http (for fetch() and fetch
  // events). Kait links only the plain WASI 0.2 interfaces and kait:plugin/host,
  // so it would refuse such a component: leave those features out.
  disableFeatures: ['http', 'fetch-event'],
});

await writeFile(here('./transformer.wasm'), component);
console.log(`wrote transformer.wasm (${component.length} bytes)`);
