/**
 * The one place tests read the addresses of the local services that `scripts/services.sh up` starts.
 * `scripts/test.sh` exports them (from `scripts/services.sh env`); a missing one names itself.
 */
function need(name: string): string {
  const value = process.env[name];
  if (!value) {
    throw new Error(
      `${name} is not set: run the tests with "npm test" (it starts the services), or eval "$(scripts/services.sh env)" first`,
    );
  }
  return value;
}

export const services = {
  get redisUrl() {
    return need("REDIS_URL");
  },
  get ldapUrl() {
    return need("LDAP_URL");
  },
  get ldapsUrl() {
    return need("LDAPS_URL");
  },
  get ldapCaFile() {
    return need("LDAP_CA_FILE");
  },
  get ldapSuffix() {
    return need("LDAP_SUFFIX");
  },
  get ldapAdSuffix() {
    return need("LDAP_AD_SUFFIX");
  },
  get ldapBindDn() {
    return need("LDAP_BIND_DN");
  },
  get ldapBindPassword() {
    return need("LDAP_BIND_PASSWORD");
  },
  get mysqlUrl() {
    return need("MYSQL_URL");
  },
  get mysqlCaFile() {
    return need("MYSQL_CA_FILE");
  },
  get servicesScript() {
    return need("SERVICES_SCRIPT");
  },
};

/** A prefix no other test uses, for Redis keys, queues, LDAP subtrees and SQL tables. */
export function uniqueName(label: string): string {
  const safe = label
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .slice(0, 24);
  return `${safe}-${process.pid}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
}
