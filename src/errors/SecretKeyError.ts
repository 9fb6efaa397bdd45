/**
 * A secret would have to be stored or digested without `secrets.key`. Refusing is the point: a password
 * must never reach Redis in plain text, and an unkeyed hash of one is open to a dictionary attack.
 */
export class SecretKeyError extends Error {
  override readonly name = "SecretKeyError";
  constructor(detail: string) {
    super(`${detail}: set secrets.key in the configuration (32 bytes, e.g. the output of "openssl rand -hex 32")`);
  }
}
