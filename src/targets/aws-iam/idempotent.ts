import { PermanentError } from "../../errors/PermanentError.js";
import { isCode } from "./classify.js";

/** Runs a call whose listed AWS codes mean "already so" (NoSuchEntity on a delete, ...): those resolve to undefined. */
export async function unless<T>(codes: string | readonly string[], run: () => Promise<T>): Promise<T | undefined> {
  const list = typeof codes === "string" ? [codes] : codes;
  try {
    return await run();
  } catch (err) {
    if (list.some((c) => isCode(err, c))) return undefined;
    throw err;
  }
}

/** Our own refusal: the entity exists but this channel does not manage it. */
export function notManaged(action: string, userName: string, why: string): PermanentError {
  return new PermanentError({ code: "NotManaged", action, userName, detail: why });
}
