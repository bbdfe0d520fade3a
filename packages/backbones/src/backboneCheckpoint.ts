import { type CheckpointContent, loadCheckpoint, restoreCheckpoint, saveCheckpoint } from '@rcnn/core';
import type { Backbone } from './backbone';
import { type BackboneConfig, buildBackbone } from './backbones';

/**
 * Save `backbone` with its config embedded (safetensors, PyTorch layout and names, written
 * atomically), so {@link loadBackbone} rebuilds it from the file alone. Node only.
 */
export async function saveBackbone(
  path: string,
  backbone: Backbone,
  metadata: Record<string, string> = {},
): Promise<void> {
  await saveCheckpoint(path, backbone, backbone.config, metadata);
}

/** Rebuild a backbone from decoded checkpoint content (see `decodeCheckpoint` in @rcnn/core). */
export function restoreBackbone(content: CheckpointContent<BackboneConfig>, source = 'checkpoint'): Backbone {
  return restoreCheckpoint(content, buildBackbone, source);
}

/** Read a checkpoint written by {@link saveBackbone} and rebuild its backbone. Node only. */
export async function loadBackbone(path: string): Promise<Backbone> {
  return restoreBackbone(await loadCheckpoint<BackboneConfig>(path), path);
}
