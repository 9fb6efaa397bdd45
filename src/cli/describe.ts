import type { ChannelConfig, Config } from "../config/schema.js";

/** One line an operator can read: where people come from, where they go, and when. */
export function describeChannel(config: Config, channel: ChannelConfig): string {
  const store = config.dataStores[channel.source.dataStore];
  const from =
    channel.source.type === "ldap"
      ? `ldap ${channel.source.dataStore} ${channel.source.baseDn} ${channel.source.filter}`
      : `mysql ${channel.source.dataStore}`;
  const target = config.targets[channel.target];
  const schedule = [
    channel.schedule.incremental !== undefined ? `incremental every ${channel.schedule.incremental}` : undefined,
    channel.schedule.full !== undefined ? `full "${channel.schedule.full}" ${channel.schedule.timezone}` : undefined,
  ].filter(Boolean);
  return [
    `${channel.name}: ${channel.active ? "active" : "inactive"}`,
    `from ${from}${store ? "" : " (missing)"}`,
    `to ${channel.target}${target ? ` (${target.type}${target.endpoint ? ` ${target.endpoint}` : ""})` : ""}`,
    `path ${channel.path}`,
    `remove=${channel.options.remove ? channel.options.removeAction : "off"}`,
    schedule.length ? schedule.join(", ") : "no schedule",
  ].join(" · ");
}
