import http from "node:http";
import https from "node:https";
import { IAMClient, type IAMClientConfig } from "@aws-sdk/client-iam";
import type { AwsIamTargetConfig } from "../../config/schema.js";
import { proxyAgents } from "./proxy-agent.js";

/**
 * Builds the IAM client for one target. Retries are switched off (`maxAttempts: 1`): the queue and the
 * shared rate budget retry, and the SDK's own retry would treat `LimitExceeded` (a hard quota) as
 * throttling and spend attempts and rate tokens on a call that cannot succeed.
 */
export function createIamClient(config: AwsIamTargetConfig): IAMClient {
  const agents = config.proxy
    ? proxyAgents(config.proxy)
    : { httpAgent: new http.Agent({ keepAlive: true }), httpsAgent: new https.Agent({ keepAlive: true }) };
  const options: IAMClientConfig = {
    region: config.region,
    maxAttempts: 1,
    // Passed as NodeHttpHandler options: the SDK builds its NodeHttpHandler from them, so the project
    // needs no direct dependency on @smithy/node-http-handler.
    requestHandler: {
      ...agents,
      connectionTimeout: Math.min(config.requestTimeoutMs, 10_000),
      requestTimeout: config.requestTimeoutMs,
      // Without this a breached timeout is only a warning and the call hangs on.
      throwOnRequestTimeout: true,
    },
  };
  if (config.endpoint) options.endpoint = config.endpoint;
  if (config.credentials) {
    options.credentials = {
      accessKeyId: config.credentials.accessKeyId,
      secretAccessKey: config.credentials.secretAccessKey,
      ...(config.credentials.sessionToken ? { sessionToken: config.credentials.sessionToken } : {}),
    };
  }
  return new IAMClient(options);
}
