/**
 * tfjs ships its gradients only as ES modules with extensionless relative imports
 * (`@tensorflow/tfjs-core/dist/register_all_gradients`), which bundlers accept and Node's ESM
 * loader rejects. In Node we add a resolve hook that retries those imports with `.js`, limited to
 * files inside tfjs-core's `dist/`. Registries live on the global object, so the gradients land in
 * the same registry as the kernels of the CommonJS build Node loads for `@tensorflow/tfjs-core`.
 */
const extensionHook = `
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (err) {
    const parent = context.parentURL ?? '';
    const fixable = err && (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'ERR_UNSUPPORTED_DIR_IMPORT');
    if (fixable && parent.includes('/@tensorflow/tfjs-core/dist/') && specifier.startsWith('.') && !specifier.endsWith('.js')) {
      return next(specifier + '.js', context);
    }
    throw err;
  }
}`;

let hookInstalled = false;

async function installNodeResolveHook(): Promise<void> {
  if (hookInstalled) return;
  hookInstalled = true;
  const isNode = typeof process !== 'undefined' && process.versions?.node != null;
  if (!isNode) return;
  // A computed specifier keeps browser bundlers from trying to resolve a Node built-in.
  const builtin = 'node:module';
  const nodeModule = (await import(/* @vite-ignore */ builtin)) as { register?: (url: string) => void };
  nodeModule.register?.(`data:text/javascript,${encodeURIComponent(extensionHook)}`);
}

/** Register every gradient tfjs-core ships (tfjs' own `register_all_gradients`), in Node and bundlers. */
export async function registerTfjsGradients(): Promise<void> {
  await installNodeResolveHook();
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
}
