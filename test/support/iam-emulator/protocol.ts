/**
 * IAM's Query protocol on the wire: form parameters in, XML out. Kept free of state so the
 * action modules only deal with plain values and throw IamError for anything IAM would reject.
 */

export const IAM_NS = "https://iam.amazonaws.com/doc/2010-05-08/";
export const IAM_VERSION = "2010-05-08";

/** An error IAM answers with a body; `status` follows IAM-FACTS.md. */
export class IamError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    readonly type: "Sender" | "Receiver" = status >= 500 ? "Receiver" : "Sender",
  ) {
    super(message);
  }
}

export const err = {
  noSuchEntity: (m: string) => new IamError("NoSuchEntity", 404, m),
  alreadyExists: (m: string) => new IamError("EntityAlreadyExists", 409, m),
  limitExceeded: (m: string) => new IamError("LimitExceeded", 409, m),
  deleteConflict: (m: string) => new IamError("DeleteConflict", 409, m),
  invalidInput: (m: string) => new IamError("InvalidInput", 400, m),
  validation: (m: string) => new IamError("ValidationError", 400, m),
  passwordPolicy: (m: string) => new IamError("PasswordPolicyViolation", 400, m),
  malformedPolicy: (m: string) => new IamError("MalformedPolicyDocument", 400, m),
  serviceFailure: () =>
    new IamError("ServiceFailure", 500, "Service encountered an unexpected error. Please try again later."),
  throttling: () => new IamError("Throttling", 400, "Rate exceeded"),
  invalidToken: () =>
    new IamError("InvalidClientTokenId", 403, "The security token included in the request is invalid."),
};

/** The decoded form of one request. Lists arrive as `Name.member.N[.Field]`, 1-based. */
export class Params {
  constructor(private readonly map: Map<string, string>) {}

  static parse(body: string): Params {
    const map = new Map<string, string>();
    for (const [k, v] of new URLSearchParams(body)) map.set(k, v);
    return new Params(map);
  }

  merge(other: Params): Params {
    return new Params(new Map([...other.map, ...this.map]));
  }

  str(name: string): string | undefined {
    return this.map.get(name);
  }

  /** IAM reports a missing required member as a validation error naming the camelCase member. */
  required(name: string): string {
    const v = this.map.get(name);
    if (v === undefined) {
      throw err.validation(
        `1 validation error detected: Value null at '${camel(name)}' failed to satisfy constraint: Member must not be null`,
      );
    }
    return v;
  }

  bool(name: string): boolean | undefined {
    const v = this.map.get(name);
    if (v === undefined) return undefined;
    if (v === "true") return true;
    if (v === "false") return false;
    throw err.validation(
      `1 validation error detected: Value '${v}' at '${camel(name)}' failed to satisfy constraint: Member must be a boolean`,
    );
  }

  int(name: string): number | undefined {
    const v = this.map.get(name);
    if (v === undefined) return undefined;
    if (!/^-?\d+$/.test(v)) {
      throw err.validation(
        `1 validation error detected: Value '${v}' at '${camel(name)}' failed to satisfy constraint: Member must be an integer`,
      );
    }
    return Number(v);
  }

  /** `Name.member.N` (scalar lists); stops at the first gap, as AWS does. */
  list(name: string): string[] {
    const out: string[] = [];
    for (let i = 1; ; i++) {
      const v = this.map.get(`${name}.member.${i}`);
      if (v === undefined) break;
      out.push(v);
    }
    return out;
  }

  /** `Name.member.N.Field` (structure lists). */
  structList(name: string, fields: string[]): Record<string, string | undefined>[] {
    const out: Record<string, string | undefined>[] = [];
    for (let i = 1; ; i++) {
      const prefix = `${name}.member.${i}.`;
      const row: Record<string, string | undefined> = {};
      let any = false;
      for (const f of fields) {
        const v = this.map.get(prefix + f);
        if (v !== undefined) any = true;
        row[f] = v;
      }
      if (!any) break;
      out.push(row);
    }
    return out;
  }
}

export function camel(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** A value tree the XML writer understands: arrays become `<member>` lists, XmlMap becomes `<entry>` maps. */
export type XmlValue =
  | string
  | number
  | boolean
  | Date
  | null
  | undefined
  | XmlValue[]
  | XmlMap
  | { [k: string]: XmlValue };

export class XmlMap {
  constructor(readonly entries: [string, XmlValue][]) {}
}

export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;" })[c] ?? c,
  );
}

/** IAM dates are ISO-8601 with seconds precision and a Z. */
export function isoDate(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function write(name: string, v: XmlValue, out: string[]): void {
  if (v === undefined || v === null) return;
  out.push(`<${name}>`);
  if (Array.isArray(v)) {
    for (const item of v) write("member", item, out);
  } else if (v instanceof XmlMap) {
    for (const [k, val] of v.entries) {
      out.push("<entry>");
      write("key", k, out);
      write("value", val, out);
      out.push("</entry>");
    }
  } else if (v instanceof Date) {
    out.push(isoDate(v));
  } else if (typeof v === "object") {
    for (const [k, val] of Object.entries(v)) write(k, val, out);
  } else {
    out.push(escapeXml(String(v)));
  }
  out.push(`</${name}>`);
}

export function successXml(action: string, result: Record<string, XmlValue> | undefined, requestId: string): string {
  const out: string[] = [`<${action}Response xmlns="${IAM_NS}">`];
  if (result && Object.keys(result).length > 0) write(`${action}Result`, result, out);
  out.push(`<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${action}Response>`);
  return out.join("");
}

export function errorXml(e: IamError, requestId: string): string {
  return (
    `<ErrorResponse xmlns="${IAM_NS}"><Error><Type>${e.type}</Type><Code>${escapeXml(e.code)}</Code>` +
    `<Message>${escapeXml(e.message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`
  );
}
