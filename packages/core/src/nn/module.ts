import * as tf from '@tensorflow/tfjs-core';
import { ConfigError } from '../errors';

/**
 * How a tensor is laid out here compared with PyTorch, so weight import and export know which
 * transpose to apply (see ARCHITECTURE.md):
 * - `conv2d`: ours `[kh,kw,I/groups,O]`, torch `[O,I/groups,kh,kw]`.
 * - `convTranspose2d`: ours `[kh,kw,O,I]`, torch `[I,O,kh,kw]`.
 * - `linear`: ours `[in,out]`, torch `[out,in]`.
 * - `same`: identical layout (biases, BatchNorm vectors, scalars).
 * - {@link LinearFromChwLayout}: a linear weight whose input rows are flattened differently.
 */
export type TensorLayout = 'conv2d' | 'convTranspose2d' | 'linear' | 'same' | LinearFromChwLayout;

/**
 * A linear weight fed by a flattened `[H,W,C]` feature map here but by a flattened `[C,H,W]` one in
 * torch (the first box-head fc after RoI pooling): ours `[H·W·C,out]`, torch `[out,C·H·W]`, rows
 * permuted at import.
 */
export interface LinearFromChwLayout {
  readonly kind: 'linearFromChw';
  readonly channels: number;
  readonly height: number;
  readonly width: number;
}

/** Whether a named tensor is learned (`parameter`) or tracked state such as running statistics (`buffer`). */
export type TensorKind = 'parameter' | 'buffer';

/** One entry of {@link Module.namedTensors}. */
export interface NamedTensor {
  /** Dotted torchvision-style name, e.g. `layer1.0.conv1.weight`. */
  readonly name: string;
  readonly variable: tf.Variable;
  readonly layout: TensorLayout;
  readonly kind: TensorKind;
}

interface Slot {
  readonly variable: tf.Variable;
  readonly layout: TensorLayout;
  readonly kind: TensorKind;
}

const NAME_PATTERN = /^[A-Za-z0-9_]+$/;

/**
 * Base class of every layer and model: it owns named `tf.Variable`s (parameters and buffers) and
 * named child modules, so that {@link Module.namedParameters} yields the dotted names PyTorch's
 * `state_dict()` uses (`layer1.0.conv1.weight`) and weights map one to one by name.
 *
 * A module owns its variables: {@link Module.dispose} frees them and those of every child. The
 * forward computation is each subclass's own `apply` method; it must not leak tensors.
 */
export abstract class Module {
  private readonly slots = new Map<string, Slot>();
  private readonly children = new Map<string, Module>();
  private disposed = false;

  /**
   * Register a learned tensor under `name`. Takes ownership of `initial` (it is disposed; the
   * variable keeps its data). The variable is trainable until {@link Module.setTrainable} says
   * otherwise.
   */
  protected addParameter(name: string, initial: tf.Tensor, layout: TensorLayout = 'same'): tf.Variable {
    return this.addSlot(name, initial, layout, 'parameter');
  }

  /**
   * Register a non-learned state tensor (e.g. BatchNorm running statistics) under `name`. Buffers
   * are never trainable; they are saved and loaded with the parameters. Takes ownership of `initial`.
   */
  protected addBuffer(name: string, initial: tf.Tensor, layout: TensorLayout = 'same'): tf.Variable {
    return this.addSlot(name, initial, layout, 'buffer');
  }

  /** Register a child module under `name` (a name segment such as `layer1` or `0`) and return it. */
  protected addModule<M extends Module>(name: string, module: M): M {
    this.checkName(name);
    this.children.set(name, module);
    return module;
  }

  private addSlot(name: string, initial: tf.Tensor, layout: TensorLayout, kind: TensorKind): tf.Variable {
    this.checkName(name);
    const variable = tf.variable(initial, kind === 'parameter');
    initial.dispose();
    this.slots.set(name, { variable, layout, kind });
    return variable;
  }

  private checkName(name: string): void {
    if (!NAME_PATTERN.test(name)) {
      throw new ConfigError('name', `module member names are one segment of [A-Za-z0-9_], got '${name}'`);
    }
    if (this.slots.has(name) || this.children.has(name)) {
      throw new ConfigError('name', `'${name}' is already registered on ${this.constructor.name}`);
    }
  }

  /**
   * Every parameter and buffer of this module and its children, in PyTorch `state_dict()` order
   * (own tensors first, then each child in registration order), names prefixed by `prefix`.
   */
  namedTensors(prefix = ''): NamedTensor[] {
    const out: NamedTensor[] = [];
    this.collect(prefix, out);
    return out;
  }

  private collect(prefix: string, out: NamedTensor[]): void {
    // torch lists a module's parameters before its buffers.
    for (const kind of ['parameter', 'buffer'] as const) {
      for (const [name, slot] of this.slots) {
        if (slot.kind === kind) out.push({ name: prefix + name, ...slot });
      }
    }
    for (const [name, child] of this.children) child.collect(`${prefix}${name}.`, out);
  }

  /** Parameters (learned tensors) by dotted name, trainable or not. */
  namedParameters(prefix = ''): Array<[string, tf.Variable]> {
    return this.namedTensors(prefix)
      .filter((t) => t.kind === 'parameter')
      .map((t) => [t.name, t.variable]);
  }

  /** Buffers (running statistics and other non-learned state) by dotted name. */
  namedBuffers(prefix = ''): Array<[string, tf.Variable]> {
    return this.namedTensors(prefix)
      .filter((t) => t.kind === 'buffer')
      .map((t) => [t.name, t.variable]);
  }

  /** Child modules by dotted name, depth first, this module excluded. */
  namedModules(prefix = ''): Array<[string, Module]> {
    const out: Array<[string, Module]> = [];
    for (const [name, child] of this.children) {
      out.push([prefix + name, child]);
      out.push(...child.namedModules(`${prefix}${name}.`));
    }
    return out;
  }

  /** The parameters an optimizer should update: those whose `trainable` flag is set. */
  trainableVariables(): tf.Variable[] {
    return this.namedParameters()
      .map(([, v]) => v)
      .filter((v) => v.trainable);
  }

  /**
   * Set the `trainable` flag of every parameter here and in all children (buffers stay frozen).
   * Returns `this` for chaining.
   */
  setTrainable(trainable: boolean): this {
    for (const [, v] of this.namedParameters()) v.trainable = trainable;
    return this;
  }

  /** Total number of scalar values in parameters and buffers. */
  numValues(): number {
    return this.namedTensors().reduce((n, t) => n + t.variable.size, 0);
  }

  /** Free every variable of this module and its children. Safe to call twice. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const slot of this.slots.values()) slot.variable.dispose();
    for (const child of this.children.values()) child.dispose();
  }

  /** Whether {@link Module.dispose} has run. */
  get isDisposed(): boolean {
    return this.disposed;
  }
}

/**
 * An indexed container of modules, named `0`, `1`, ... like torch's `nn.Sequential` /
 * `nn.ModuleList`, so that weight names such as `layer1.0.conv1.weight` come out right. It has no
 * forward of its own: the owner iterates {@link ModuleList.items}.
 */
export class ModuleList<M extends Module = Module> extends Module {
  readonly items: readonly M[];

  constructor(items: readonly M[]) {
    super();
    items.forEach((m, i) => {
      this.addModule(String(i), m);
    });
    this.items = items;
  }

  get length(): number {
    return this.items.length;
  }
}
