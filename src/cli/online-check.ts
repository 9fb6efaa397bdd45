import type { LoadedConfig } from "../config/load.js";
import { silentLogger } from "../log/logger.js";
import { openDataStore } from "../sources/index.js";
import { mappingAttributes } from "../sync/mapping.js";
import { AwsIamTarget } from "../targets/aws-iam/target.js";

/**
 * `config check --online`: bind to every data store a channel uses and verify every target's credentials
 * (GetUser without a name). Returns one line per failure; messages come from the stores' and target's own
 * errors, which never carry secrets.
 */
export async function onlineCheck(loaded: LoadedConfig): Promise<string[]> {
  const failures: string[] = [];
  const { config } = loaded;
  for (const channel of Object.values(config.channels)) {
    const store = config.dataStores[channel.source.dataStore];
    if (!store) continue;
    const ds = openDataStore(store, channel.source, { attributes: mappingAttributes(channel), logger: silentLogger });
    try {
      await ds.check();
      console.log(`  channels.${channel.name}: data store ${channel.source.dataStore} reachable`);
    } catch (err) {
      failures.push(
        `channels.${channel.name}.source: data store ${channel.source.dataStore}: ${(err as Error).message}`,
      );
    } finally {
      await ds.close().catch(() => {});
    }
  }
  for (const [name, t] of Object.entries(config.targets)) {
    const target = new AwsIamTarget(name, t);
    try {
      const who = await target.verify();
      console.log(`  targets.${name}: credentials valid${who.arn ? ` (${who.arn})` : ""}`);
    } catch (err) {
      failures.push(`targets.${name}: ${(err as Error).message}`);
    } finally {
      target.destroy();
    }
  }
  return failures;
}
