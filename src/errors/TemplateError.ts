/** A mapping template that cannot be compiled: names the template, where in it, and what is wrong. */
export class TemplateError extends Error {
  override readonly name = "TemplateError";
  constructor(
    readonly template: string,
    /** 1-based character position in the template. */
    readonly position: number,
    readonly problem: string,
    /** Where the template sits in the configuration, when known (`channels.eng.mapping.userName`). */
    readonly where?: string,
  ) {
    super(`${where ? `${where}: ` : ""}template "${template}": ${problem} at position ${position}`);
  }
}
