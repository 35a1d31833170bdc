// Builds transformer.wasm from src/transformer.js with componentize-js.
//
// componentize-js embeds a JavaScript engine (SpiderMonkey, via StarlingMonkey)
// in the component and pre-initialises it with the module (Wizer), so the
// output is a self-contained WebAssembly component of the `transformer` world.

import { componentize } from '@bytecodealliance/componentize-js';
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

const here = (path) => fileURLToPath(new URL(path, import.meta.url));

const { component } = await componentize({
  sourcePath: here('./src/transformer.js'),
  witPath: here('../../wit'), // the folder holding plugin.wit
  worldName: 'transformer',
  // The engine's default build also imports wasi:http (for fetch() and fetch
  // events). Kait links only the plain WASI 0.2 interfaces and kait:plugin/host,
  // so it would refuse such a component: leave those features out.
  disableFeatures: ['http', 'fetch-event'],
});

await writeFile(here('./transformer.wasm'), component);
console.log(`wrote transformer.wasm (${component.length} bytes)`);
