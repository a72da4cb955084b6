/** Messages sent to another thread and not yet acknowledged, at most `max`: the sender waits for room. */
export class InFlight {
  private sentCount = 0;
  private wakeUp: (() => void) | undefined;

  constructor(private readonly max: number) {}

  /** Sent and not yet acknowledged. */
  get count(): number {
    return this.sentCount;
  }

  sent(): void {
    this.sentCount++;
  }

  acknowledged(): void {
    this.sentCount--;
    this.wakeUp?.();
  }

  /** Resolves once fewer than `limit` (default: the maximum) are in flight. */
  async room(limit = this.max): Promise<void> {
    while (this.sentCount >= limit) await new Promise<void>((resolve) => (this.wakeUp = resolve));
    this.wakeUp = undefined;
  }

  /** Resolves once every message sent has been acknowledged. */
  drained(): Promise<void> {
    return this.room(1);
  }
}
