import type { Logger } from "pino";
import type { ChannelConfig, Config } from "../src/config/schema.js";
import type { QueueContext } from "../src/queue/context.js";
import type { DataStore } from "../src/sources/data-store.js";
import { openDataStore } from "../src/sources/index.js";
import { mappingAttributes } from "../src/sync/mapping.js";
import { parseSecretKey } from "../src/sync/secrets.js";
import { StateStore } from "../src/sync/state-store.js";
import { AwsIamTarget } from "../src/targets/aws-iam/target.js";

/**
 * What a worker process builds once from the configuration and reuses for every job: one IAM target per
 * AWS account (each drawing on its account's shared Redis budget), the state store, and data stores opened
 * per snapshot. Processors receive this instead of reaching for globals, so tests can build one per prefix.
 */
export class Runtime {
  readonly config: Config;
  readonly state: StateStore;
  readonly secretKey: Buffer | undefined;
  private readonly targets = new Map<string, AwsIamTarget>();

  constructor(
    readonly ctx: QueueContext,
    readonly logger: Logger,
  ) {
    this.config = ctx.config;
    this.secretKey = parseSecretKey(ctx.config.secrets.key);
    this.state = new StateStore(ctx.redis, {
      prefix: ctx.prefix,
      ...(this.secretKey ? { secretKey: this.secretKey } : {}),
    });
  }

  channel(name: string): ChannelConfig | undefined {
    return this.config.channels[name];
  }

  target(name: string): AwsIamTarget {
    let t = this.targets.get(name);
    if (!t) {
      const config = this.config.targets[name];
      if (!config) throw new Error(`unknown target "${name}"`);
      const log = this.logger.child({ target: name });
      t = new AwsIamTarget(name, config, {
        budget: this.ctx.budget(name),
        throttleRetries: this.config.provisioning.maxThrottleRetries,
        logger: { debug: (obj, msg) => log.debug(obj, msg) },
      });
      this.targets.set(name, t);
    }
    return t;
  }

  /** Opens the channel's data store; the caller closes it. */
  openSource(channel: ChannelConfig): DataStore {
    const store = this.config.dataStores[channel.source.dataStore];
    if (!store) throw new Error(`channel "${channel.name}": unknown data store "${channel.source.dataStore}"`);
    return openDataStore(store, channel.source, {
      attributes: mappingAttributes(channel),
      logger: this.logger.child({ channel: channel.name, dataStore: channel.source.dataStore }),
    });
  }

  close(): void {
    for (const t of this.targets.values()) t.destroy();
    this.targets.clear();
  }
}
