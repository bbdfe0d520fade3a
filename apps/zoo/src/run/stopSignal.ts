/** A cooperative stop request (Ctrl-C): running work checkpoints and returns when it sees it. */
export class StopSignal {
  private stoppedValue = false;
  private readonly listeners: Array<() => void> = [];

  get stopped(): boolean {
    return this.stoppedValue;
  }

  /** Ask everything watching this signal to stop; listeners run once. */
  stop(): void {
    if (this.stoppedValue) return;
    this.stoppedValue = true;
    for (const l of this.listeners.splice(0)) l();
  }

  /** Run `listener` when stop is requested (at once if it already was). */
  onStop(listener: () => void): void {
    if (this.stoppedValue) listener();
    else this.listeners.push(listener);
  }
}
