import { expectNoLeaks, initBackend } from '../../src/index';

/**
 * `run` on the `cpu` backend (the reference), then on `wasm` with the native kernels, where it
 * must leave `tf.memory().numTensors` unchanged. Leaves `wasm` selected.
 */
export async function onCpuThenWasm<T>(run: () => T): Promise<{ cpu: T; wasm: T }> {
  await initBackend({ backend: 'cpu' });
  const cpu = run();
  await initBackend({ backend: 'wasm' });
  let wasm: { value: T } | undefined;
  await expectNoLeaks(() => {
    wasm = { value: run() };
  });
  if (wasm === undefined) throw new Error('no result on wasm');
  return { cpu, wasm: wasm.value };
}
