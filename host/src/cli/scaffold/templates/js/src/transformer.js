// The component's entry: the three exports of the `transformer` world.
// The logic is in plugin.js, which `npm test` runs under Node (where the host
// import below does not exist).

import { log } from 'kait:plugin/host@0.1.0';
import * as plugin from './plugin.js';

export const info = plugin.info;
export const validateConfig = plugin.validateConfig;
export const transform = (event, config) => plugin.transform(event, config, log);
