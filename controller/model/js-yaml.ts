import { dirname, join } from 'node:path';
import type * as JsYaml from 'js-yaml';

/**
 * js-yaml, loaded from the single file its package ships (`dist/js-yaml.js`, its modules rolled
 * into one): `require('js-yaml')` loads `index.js` and 24 modules more, 8 ms of the start of every
 * command that reads a config on Node 20 against 3 for the one file (module loads are paid per file:
 * resolution, read, cache). The package's `exports` map lets `require` reach `index.js` alone, so
 * the file is named by its path beside it; where it is missing (another build of the package), the
 * package loads as usual. Every reader of YAML takes js-yaml from here, so its `YAMLException` is
 * one class.
 */
function loadJsYaml(): typeof JsYaml {
  const bundled = join(dirname(require.resolve('js-yaml')), 'dist', 'js-yaml.js');
  try {
    return require(bundled) as typeof JsYaml;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw error;
    return require('js-yaml') as typeof JsYaml;
  }
}

export const jsYaml = loadJsYaml();
