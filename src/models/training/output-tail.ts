/** The last `limit` bytes of a stream's output, for the run record (the whole output goes to the caller). */
export class OutputTail {
  private chunks: Buffer[] = [];
  private bytes = 0;
  total = 0;

  constructor(private readonly limit: number) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.bytes += chunk.length;
    this.total += chunk.length;
    while (this.bytes - (this.chunks[0]?.length ?? 0) >= this.limit) this.bytes -= this.chunks.shift()?.length ?? 0;
  }

  text(): string {
    const all = Buffer.concat(this.chunks);
    return all.subarray(Math.max(0, all.length - this.limit)).toString('utf8');
  }
}
