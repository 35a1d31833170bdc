// Builds transformer.wasm from src/transformer.js.
//
// componentize-js compiles ONE ES module and does not resolve imports of other
// files or packages, so esbuild first bundles src/transformer.js with what it
// imports (src/plugin.js, kait-plugin-kit) into dist/transformer.js, leaving
// the WIT imports (`kait:plugin/...`) to the component.

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
  witPath: here('./wit'),
  worldName: 'transformer',
  // Without these the component imports wasi:http, which Kait refuses.
  // Never enable AOT: it downloads a binary at build time.
  disableFeatures: ['http', 'fetch-event'],
});

await writeFile(here('./transformer.wasm'), component);
console.log(`wrote ${here('./transformer.wasm')} (${component.length} bytes)`);
