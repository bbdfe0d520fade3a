import { Worker } from 'node:worker_threads';

const code = `
const { parentPort } = require('node:worker_threads');
(async () => {
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
const w3 = new Worker(
  `const { parentPort } = require('node:worker_threads'); import('file:///work/main/packages/backend/test/workers/convolutionJob.ts').then(async (mod) => { await mod.setup(); console.log('execArgv way', mod.default({seed: 2}).gradientSum); parentPort.postMessage(1); }, (e) => { console.log('ERR3', e.message); parentPort.postMessage(1); });`,
  { eval: true, execArgv: ['--import', 'tsx'] },
);
w3.on('message', () => w3.terminate());
