import { CronExpressionParser } from "cron-parser";

/** Why a cron expression is unusable, or undefined when it parses. BullMQ's job schedulers use the same parser. */
export function cronProblem(expression: string, timezone = "UTC"): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (fields.length < 5 || fields.length > 6) {
    return `"${expression}" is not a cron expression: expected 5 fields (minute hour day month weekday) or 6 with seconds`;
  }
  try {
    CronExpressionParser.parse(expression, { tz: timezone });
    return undefined;
  } catch (err) {
    return `"${expression}" is not a valid cron expression: ${(err as Error).message}`;
  }
}

/** The next time a cron expression fires after `from`. */
export function nextCron(expression: string, timezone = "UTC", from = new Date()): Date {
  return CronExpressionParser.parse(expression, { tz: timezone, currentDate: from }).next().toDate();
}
