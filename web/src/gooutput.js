// What the Go program wrote last to stdout and stderr (a panic, a fatal
// error), to say why the engine stopped.

// The first line that says why Go stopped: whole lines only, since Go
// writes a line in pieces.
const failureLine = /^(?:panic: |fatal error: |runtime: out of memory).*(?=\n)/m;

export class GoOutput {
  constructor() {
    this.tail = ''; // the last 4,000 characters
    this.failure = ''; // the first failure line: the stack dump after it can push it out of the tail
    this.exitCode = null; // once the program has exited
    this.decoder = new TextDecoder('utf-8');
  }

  // write notes bytes the program wrote.
  write(buf) {
    this.tail = (this.tail + this.decoder.decode(buf, { stream: true })).slice(-4000);
    if (!this.failure) this.failure = this.tail.match(failureLine)?.[0] ?? '';
  }

  // stopped says that the engine stopped, with the trap (a description)
  // or the exit code, and what Go printed last, its failure line first.
  stopped(trap) {
    let message = 'the engine stopped';
    if (trap) message += ` (${trap})`;
    else if (this.exitCode !== null && this.exitCode !== 0) message += ` (exit code ${this.exitCode})`;
    const tail = this.tail.trimEnd().split('\n').slice(-8).join('\n').trim();
    const why = this.failure && !tail.includes(this.failure) ? `${this.failure}\n...\n` : '';
    if (why || tail) message += `:\n${why}${tail}`;
    return message;
  }
}
