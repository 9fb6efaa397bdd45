import { TemplateError } from "../errors/TemplateError.js";
import { asciifold } from "./asciifold.js";

/**
 * The mapping template language: plain text with `{{ operand | filter | filter(arg, ...) }}` holes.
 * An operand is an attribute reference (case-insensitive; a multi-valued attribute gives its first value)
 * or a quoted constant. Templates are compiled once per channel so a typo fails at load, not per user.
 */

/** Attribute value by lower-cased name: undefined when absent. */
export type Lookup = (name: string) => string | undefined;

export interface CompiledTemplate {
  readonly source: string;
  /** Lower-cased attribute names the template reads. */
  readonly attributes: readonly string[];
  /** True when the template has no attribute references at all. */
  readonly constant: boolean;
  render(lookup: Lookup): string;
}

type Arg = string | number;
interface FilterSpec {
  args: ("string" | "count")[];
  apply(value: string, args: Arg[]): string;
}

const FILTERS: Record<string, FilterSpec> = {
  lower: { args: [], apply: (v) => v.toLowerCase() },
  upper: { args: [], apply: (v) => v.toUpperCase() },
  trim: { args: [], apply: (v) => v.trim() },
  localpart: { args: [], apply: (v) => (v.includes("@") ? v.slice(0, v.lastIndexOf("@")) : v) },
  domain: { args: [], apply: (v) => (v.includes("@") ? v.slice(v.lastIndexOf("@") + 1) : "") },
  asciifold: { args: [], apply: (v) => asciifold(v) },
  replace: { args: ["string", "string"], apply: (v, [a, b]) => (a === "" ? v : v.split(String(a)).join(String(b))) },
  default: { args: ["string"], apply: (v, [d]) => (v === "" ? String(d) : v) },
  truncate: { args: ["count"], apply: (v, [n]) => Array.from(v).slice(0, Number(n)).join("") },
};

export const FILTER_NAMES = Object.keys(FILTERS);

interface Filter {
  spec: FilterSpec;
  args: Arg[];
}
type Part = { text: string } | { attribute: string; filters: Filter[] } | { literal: string; filters: Filter[] };

/** Compiles a template; throws TemplateError with a 1-based position on bad syntax or an unknown filter. */
export function parseTemplate(source: string, where?: string): CompiledTemplate {
  const parts = new Parser(source, where).parse();
  const attributes = [...new Set(parts.flatMap((p) => ("attribute" in p ? [p.attribute] : [])))];
  return {
    source,
    attributes,
    constant: attributes.length === 0,
    render(lookup: Lookup): string {
      let out = "";
      for (const part of parts) {
        if ("text" in part) {
          out += part.text;
          continue;
        }
        let value = "attribute" in part ? (lookup(part.attribute) ?? "") : part.literal;
        for (const f of part.filters) value = f.spec.apply(value, f.args);
        out += value;
      }
      return out;
    },
  };
}

const IDENT_START = /[A-Za-z_]/;
const IDENT = /[A-Za-z0-9_.;-]/;

class Parser {
  private i = 0;
  constructor(
    private readonly src: string,
    private readonly where: string | undefined,
  ) {}

  parse(): Part[] {
    const parts: Part[] = [];
    let text = "";
    while (this.i < this.src.length) {
      if (this.src.startsWith("{{", this.i)) {
        if (text) parts.push({ text });
        text = "";
        this.i += 2;
        parts.push(this.expression());
      } else {
        text += this.src[this.i];
        this.i++;
      }
    }
    if (text) parts.push({ text });
    return parts;
  }

  private fail(problem: string, at = this.i): never {
    throw new TemplateError(this.src, at + 1, problem, this.where);
  }

  private skipSpace(): void {
    while (this.i < this.src.length && /\s/.test(this.src[this.i] as string)) this.i++;
  }

  private expression(): Part {
    const open = this.i - 2;
    this.skipSpace();
    const ch = this.src[this.i];
    if (ch === undefined) this.fail("unclosed '{{'", open);
    let part: Part;
    if (ch === '"' || ch === "'") part = { literal: this.string(), filters: [] };
    else if (IDENT_START.test(ch)) part = { attribute: this.identifier().toLowerCase(), filters: [] };
    else if (ch === "}" && this.src.startsWith("}}", this.i)) this.fail("empty expression", open);
    else this.fail(`unexpected '${ch}', expected an attribute name or a quoted constant`);
    this.skipSpace();
    while (this.src[this.i] === "|") {
      this.i++;
      this.skipSpace();
      part.filters.push(this.filter());
      this.skipSpace();
    }
    if (this.i >= this.src.length) this.fail("unclosed '{{'", open);
    if (!this.src.startsWith("}}", this.i)) this.fail(`unexpected '${this.src[this.i]}', expected '|' or '}}'`);
    this.i += 2;
    return part;
  }

  private identifier(): string {
    const start = this.i;
    if (!IDENT_START.test(this.src[this.i] ?? "")) this.fail("expected a name");
    while (this.i < this.src.length && IDENT.test(this.src[this.i] as string)) this.i++;
    return this.src.slice(start, this.i);
  }

  private string(): string {
    const quote = this.src[this.i];
    const start = this.i;
    this.i++;
    let out = "";
    while (this.i < this.src.length && this.src[this.i] !== quote) {
      if (this.src[this.i] === "\\" && this.i + 1 < this.src.length) this.i++;
      out += this.src[this.i];
      this.i++;
    }
    if (this.i >= this.src.length) this.fail("unterminated string", start);
    this.i++;
    return out;
  }

  private filter(): Filter {
    const start = this.i;
    const name = this.identifier();
    const spec = FILTERS[name];
    if (!spec) this.fail(`unknown filter "${name}" (known: ${FILTER_NAMES.join(", ")})`, start);
    const args: Arg[] = [];
    this.skipSpace();
    if (this.src[this.i] === "(") {
      this.i++;
      this.skipSpace();
      while (this.src[this.i] !== ")") {
        if (this.i >= this.src.length) this.fail("unclosed '('");
        if (args.length > 0) {
          if (this.src[this.i] !== ",") this.fail(`expected ',' or ')' in the arguments of ${name}`);
          this.i++;
          this.skipSpace();
        }
        args.push(this.argument());
        this.skipSpace();
      }
      this.i++;
    }
    if (args.length !== spec.args.length) {
      this.fail(
        `filter ${name} takes ${spec.args.length} argument${spec.args.length === 1 ? "" : "s"}, got ${args.length}`,
        start,
      );
    }
    spec.args.forEach((kind, n) => {
      const arg = args[n];
      if (kind === "count" && !(typeof arg === "number" && Number.isInteger(arg) && arg >= 0)) {
        this.fail(`filter ${name} takes a whole number`, start);
      }
      if (kind === "string" && typeof arg !== "string") this.fail(`filter ${name} takes quoted strings`, start);
    });
    return { spec, args };
  }

  private argument(): Arg {
    const ch = this.src[this.i];
    if (ch === '"' || ch === "'") return this.string();
    const m = /^-?\d+(\.\d+)?/.exec(this.src.slice(this.i));
    if (!m) this.fail("expected a quoted string or a number");
    this.i += m[0].length;
    return Number(m[0]);
  }
}
