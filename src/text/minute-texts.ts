/**
 * Local-time texts at minute precision (or what a report makes of one: `T`), made once per minute. Where
 * the zone's offset is whole minutes (every zone since the 1970s), every second of a minute shows the same
 * minute text; elsewhere there is no cached text and the caller formats the second itself.
 */
export class MinuteTexts<T = string> {
  private readonly texts = new Map<number, T>();

  constructor(
    private readonly render: (minuteStart: number) => T,
    private readonly maxSize = 1 << 16,
  ) {}

  /** The text of the minute holding `seconds`, or null where the zone's offset is not whole minutes. */
  of(seconds: number): T | null {
    const minute = Math.floor(seconds / 60);
    const known = this.texts.get(minute);
    if (known !== undefined) return known;
    if (new Date(minute * 60_000).getSeconds() !== 0) return null;
    const text = this.render(minute * 60);
    if (this.texts.size >= this.maxSize) this.texts.clear();
    this.texts.set(minute, text);
    return text;
  }
}
