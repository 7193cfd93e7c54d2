/** Builds indented config text (nginx, HAProxy and Caddyfile all nest by indentation or braces). */
export class TextBlock {
  private readonly lines: string[] = [];
  private depth = 0;

  constructor(private readonly indentUnit = '  ') {}

  line(text = ''): this {
    this.lines.push(text === '' ? '' : this.indentUnit.repeat(this.depth) + text);
    return this;
  }

  /** `head {`, the body one level deeper, `}`. */
  block(head: string, body: () => void): this {
    this.line(`${head} {`);
    this.depth++;
    body();
    this.depth--;
    this.line('}');
    return this;
  }

  /** Lines one level deeper without braces (HAProxy sections). */
  indented(body: () => void): this {
    this.depth++;
    body();
    this.depth--;
    return this;
  }

  toString(): string {
    return this.lines.join('\n') + '\n';
  }
}
