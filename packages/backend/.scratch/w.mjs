import { Worker } from 'node:worker_threads';

const code = `
const { parentPort } = require('node:worker_threads');
(async () => {
  try {
    const m = await import('tsx');
    console.log('tsx keys', Object.keys(m));
    const mod = await import('file:///work/main/packages/backend/test/workers/convolutionJob.ts');
    await mod.setup(); console.log(mod.default({seed: 1}));
  } catch (e) { console.log('ERR1', e.message); }
  try {
    const api = await import('tsx/esm/api');
    api.register();
    const mod = await import('file:///work/main/packages/backend/test/workers/convolutionJob.ts');
    await mod.setup(); console.log(mod.default({seed: 1}));
  } catch (e) { console.log('ERR2', e.message); }
  parentPort.postMessage('done');
})();`;
const w = new Worker(code, { eval: true });
w.on('message', () => w.terminate());
