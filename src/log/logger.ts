import pino, { type Logger } from "pino";

/**
 * Field paths that hold secrets anywhere in a log line. pino's redaction replaces them before the line is
 * written; `secretValues` also scrubs resolved secret strings that slip into free text (an error message
 * quoting a connection string, say).
 */
export const REDACT_PATHS = [
  "password",
  "*.password",
  "*.*.password",
  "bindPassword",
  "*.bindPassword",
  "secretAccessKey",
  "*.secretAccessKey",
  "*.*.secretAccessKey",
  "sessionToken",
  "*.sessionToken",
  "token",
  "*.token",
  "key",
  "secrets.key",
  "loginProfile.password",
  "*.loginProfile.password",
  "desired.loginProfile.password",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "req.headers.authorization",
  "req.headers.cookie",
];

export interface LoggerOptions {
  level?: string;
  /** Resolved secret values (from ${env:...} / ${file:...}) to scrub from messages. */
  secretValues?: string[];
  /** Where lines go; stdout by default. */
  destination?: pino.DestinationStream;
  name?: string;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const secrets = (opts.secretValues ?? []).filter((s) => s.length >= 4);
  const scrub = (text: string): string => secrets.reduce((t, s) => t.split(s).join("[REDACTED]"), text);
  return pino(
    {
      name: opts.name ?? "provisioner",
      level: opts.level ?? process.env.LOG_LEVEL ?? "info",
      redact: { paths: REDACT_PATHS, censor: "[REDACTED]" },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        ...(secrets.length
          ? {
              logMethod(args, method) {
                method.apply(
                  this,
                  args.map((a) => (typeof a === "string" ? scrub(a) : a)) as Parameters<typeof method>,
                );
              },
            }
          : {}),
      },
      serializers: {
        err: (err: Error) => {
          const s = pino.stdSerializers.err(err);
          if (secrets.length) {
            s.message = scrub(s.message);
            if (s.stack) s.stack = scrub(s.stack);
          }
          return s;
        },
      },
    },
    opts.destination,
  );
}

/** A logger that writes nothing, for tests and library defaults. */
export const silentLogger: Logger = pino({ level: "silent" });
