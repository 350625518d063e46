/**
 * @module
 * The ResponseFramer of the slow-reader benchmark (scripts/bench-slow-readers.ts):
 * counts the responses a client read on one connection, and where the one
 * under way stopped, from their Content-Length framing.
 */
const KiB = 1024;

const FramerState = { head: 'head', body: 'body', untilClose: 'until-close', broken: 'broken' } as const;
type FramerState = (typeof FramerState)[keyof typeof FramerState];

/**
 * Splits the bytes of one connection into responses by their framing:
 * Content-Length, or the close of the connection when there is none.
 * Interim 1xx responses are skipped; chunked answers are not expected and
 * stop the count.
 */
export class ResponseFramer {
  /** Whole responses seen (not counting 1xx). */
  complete = 0;
  /** Status of each final response begun, in order. */
  readonly statuses: number[] = [];
  /** Content-Length of the response being read; -1 while none (head, or close-delimited). */
  declared = -1;
  /** Body bytes of the response being read. */
  bodyBytes = 0;
  /** Why counting stopped, or null. */
  problem: string | null = null;
  #state: FramerState = FramerState.head;
  #head = '';

  /** True while a response is begun and not complete. */
  get partial(): boolean {
    return this.#state === FramerState.body || this.#state === FramerState.untilClose || this.#head.length > 0;
  }

  feed(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.#state === FramerState.broken) return;
      if (this.#state === FramerState.untilClose) {
        this.bodyBytes += chunk.length - offset;
        return;
      }
      if (this.#state === FramerState.body) {
        const take = Math.min(this.declared - this.bodyBytes, chunk.length - offset);
        this.bodyBytes += take;
        offset += take;
        if (this.bodyBytes === this.declared) this.#finish();
        continue;
      }
      const before = this.#head.length;
      this.#head += chunk.toString('latin1', offset, Math.min(chunk.length, offset + 64 * KiB));
      const end = this.#head.indexOf('\r\n\r\n');
      if (end < 0) {
        offset = Math.min(chunk.length, offset + 64 * KiB);
        if (this.#head.length > 64 * KiB) this.#break('a response head longer than 64 KiB');
        continue;
      }
      offset += end + 4 - before;
      this.#begin(this.#head.slice(0, end));
    }
  }

  /** The connection ended: a close-delimited body is complete now. */
  end(): void {
    if (this.#state === FramerState.untilClose) this.#finish();
  }

  #begin(head: string): void {
    this.#head = '';
    const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head)?.[1] ?? NaN);
    if (Number.isNaN(status)) return this.#break(`not a status line: ${JSON.stringify(head.slice(0, 40))}`);
    if (status < 200) return; // 100 Continue and friends: the final response follows
    this.statuses.push(status);
    if (/\r\ntransfer-encoding:/i.test(head)) return this.#break('a Transfer-Encoding answer');
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
    this.bodyBytes = 0;
    this.declared = length === null ? -1 : Number(length[1]);
    if (this.declared === 0) this.#finish();
    else this.#state = length === null ? FramerState.untilClose : FramerState.body;
  }

  #finish(): void {
    this.complete += 1;
    this.#state = FramerState.head;
  }

  #break(problem: string): void {
    this.problem = problem;
    this.#state = FramerState.broken;
  }

  /** "k/n complete" plus where the one under way stopped, for the table. */
  describe(expected: number): string {
    let text = `${this.complete}/${expected} complete`;
    if (this.partial && this.#state !== FramerState.head) {
      const of = this.declared < 0 ? '' : ` of ${this.declared}`;
      text += `, #${this.complete + 1} cut at ${this.bodyBytes}${of} B`;
    }
    const odd = this.statuses.filter((status) => status !== 200);
    if (odd.length > 0) text += `, status ${[...new Set(odd)].join('/')}`;
    if (this.problem !== null) text += ` (${this.problem})`;
    return text;
  }
}
