import { describe, expect, it } from "vitest";
import { planJsonSchema, toPlanJson } from "../../../src/sync/plan-json.js";
import { renderPlanText } from "../../../src/sync/plan-text.js";
import { FakeIam } from "./fake-iam.js";
import { KEY, makeChannel, person, source } from "./helpers.js";

describe("plan JSON and text", () => {
  it("validates the JSON of a real plan and rejects what breaks the schema", async () => {
    const channel = makeChannel({
      mapping: { userName: "{{ uid }}", tags: {}, loginProfile: { password: "{{ pw }}", passwordResetRequired: true } },
    });
    const iam = new FakeIam();
    const r = await iam.plan({
      channel,
      mode: "incremental",
      source: source([person("1", "amy", { groups: ["dev"], attrs: { pw: "Secret-Pw-1" } }), person("2", "bad name")]),
      secretKey: KEY,
    });
    const json = toPlanJson(r.plan, { generatedAt: new Date(0).toISOString(), durationMs: 3 });
    expect(planJsonSchema.parse(json)).toEqual(json);
    expect(JSON.stringify(json)).not.toContain("Secret-Pw-1");
    expect(planJsonSchema.safeParse({ ...json, status: "maybe" }).success).toBe(false);
    expect(planJsonSchema.safeParse({ ...json, users: [{ kind: "create", sourceId: "1" }] }).success).toBe(false);
    expect(planJsonSchema.safeParse({ ...json, extra: 1 }).success).toBe(false);

    const text = renderPlanText(r.plan).join("\n");
    expect(text).toMatch(/^plan eng \(incremental\): READY/);
    expect(text).toMatch(/create \(1\)\n {2}amy {2}1/);
    expect(text).toMatch(/invalid \(1\)\n {2}bad name/);
    expect(text).not.toContain("Secret-Pw-1");
  });
});
