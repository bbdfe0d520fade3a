import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

/**
 * Where the worker job module is and what a worker must load first. Running from the
 * TypeScript sources (tsx, vitest) the workers need tsx's loader and the `@rcnn/source` export
 * condition; from the build they load `dist/run/variantWorker.js` directly.
 */
export function variantWorkerModule(): { url: string; preload: string[]; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const require = createRequire(here);
    const tsx = pathToFileURL(require.resolve('tsx/esm/api')).href;
    const execArgv = process.execArgv.filter((a) => !a.startsWith('--conditions'));
    return {
      url: new URL('./variantWorker.ts', here).href,
      preload: [tsx],
      execArgv: [...execArgv, '--conditions=@rcnn/source'],
    };
  }
  // Bundled: this code lives in dist/*.js, the worker entry in dist/run/.
  return { url: new URL('./run/variantWorker.js', here).href, preload: [], execArgv: process.execArgv };
}
