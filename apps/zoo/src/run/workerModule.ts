import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

// Resolve hooks adding the '@rcnn/source' export condition, so workspace packages resolve to
// their TypeScript sources inside workers (a `--conditions` flag in a worker's execArgv is not
// applied to its module resolution).
const SOURCE_CONDITION_HOOKS = `export async function resolve(specifier, context, next) {
  const conditions = context.conditions.includes('@rcnn/source') ? context.conditions : ['@rcnn/source', ...context.conditions];
  return next(specifier, { ...context, conditions });
}`;
const REGISTER_SOURCE_CONDITION = `import { register as registerHooks } from 'node:module';
export function register() {
  registerHooks('data:text/javascript,' + encodeURIComponent(${JSON.stringify(SOURCE_CONDITION_HOOKS)}));
}`;

/** The ESM entry of `specifier` (`import.meta.resolve` where the runtime has it). */
function resolveEsm(specifier: string, from: string): string {
  const resolveFn = (import.meta as { resolve?: (s: string) => string }).resolve;
  if (typeof resolveFn === 'function') {
    try {
      return resolveFn(specifier);
    } catch {
      // fall through to require.resolve
    }
  }
  return pathToFileURL(createRequire(from).resolve(specifier)).href;
}

/**
 * Where the worker job module is and what a worker must load first. Running from the
 * TypeScript sources (tsx, vitest) the workers need tsx's loader and the `@rcnn/source` export
 * condition; from the build they load `dist/run/variantWorker.js` directly.
 */
export function variantWorkerModule(): { url: string; preload: string[]; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    const tsx = resolveEsm('tsx/esm/api', here);
    return {
      url: new URL('./variantWorker.ts', here).href,
      preload: [`data:text/javascript,${encodeURIComponent(REGISTER_SOURCE_CONDITION)}`, tsx],
      execArgv: process.execArgv.filter((a) => !a.startsWith('--conditions')),
    };
  }
  // Bundled: this code lives in dist/*.js, the worker entry in dist/run/.
  return { url: new URL('./run/variantWorker.js', here).href, preload: [], execArgv: process.execArgv };
}
