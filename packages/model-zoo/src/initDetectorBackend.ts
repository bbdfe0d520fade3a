import { type InitBackendOptions, initBackend } from '@rcnn/backend';
import { registerRoiOps } from '@rcnn/roi-ops';

/**
 * Everything detectors need from the engine, in one explicit call: `initBackend` (backend,
 * gradients, training kernels) then `registerRoiOps` for that backend. Idempotent. Resolves to
 * the backend's name.
 */
export async function initDetectorBackend(options: InitBackendOptions = {}): Promise<string> {
  const name = await initBackend(options);
  registerRoiOps({ backends: [name] });
  return name;
}
