import { arch, availableParallelism, cpus, platform, release, totalmem } from 'node:os';

/** The machine a run happened on, recorded with every result. */
export interface MachineInfo {
  readonly platform: string;
  readonly arch: string;
  readonly cpuModel: string;
  readonly cores: number;
  /** GiB. */
  readonly memory: number;
  readonly node: string;
  /** tfjs backend the detectors ran on. */
  readonly backend: string;
}

/** Describe this machine (no host names or user names). */
export function machineInfo(backend: string): MachineInfo {
  const cpu = cpus()[0];
  return {
    platform: `${platform()} ${release()}`,
    arch: arch(),
    cpuModel: cpu?.model?.trim() ?? 'unknown',
    cores: availableParallelism(),
    memory: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
    backend,
  };
}
