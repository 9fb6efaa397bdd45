import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningDashboard, startDashboard } from "../../src/dashboard/server.js";
import { type IamEmulator, startIamEmulator } from "../support/iam-emulator/index.js";
import { Pipeline, people } from "../support/pipeline.js";

/**
 * The operator's path through the dashboard in a real browser (Debian's Chromium driven by playwright-core),
 * against the real pipeline: slapd, Redis, snapshot + provision workers and the IAM emulator. Sign in, see
 * the channel, start a sync, watch it finish, open the dead letter it left, fix the directory, replay it,
 * and see it gone. Screenshots go to test-results/screenshots/ (the README's come from there).
 */
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const SHOTS = join(process.cwd(), "test-results", "screenshots");
const OPERATOR = { username: "ops", password: "e2e-operator-Pw4!x" };

class DashboardPipeline extends Pipeline {
  override configObject(): Record<string, unknown> {
    return {
      ...super.configObject(),
      dashboard: { users: [{ name: OPERATOR.username, password: OPERATOR.password, role: "operator" }] },
    };
  }
}

/** Waits for the run page (which reloads itself while the run is running) to show a finished status. */
async function waitForFinishedRun(page: Page, timeoutMs = 90_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const status = (await page.locator("h1 .badge").textContent({ timeout: 5_000 }))?.trim() ?? "";
      if (status && status !== "running") return status;
    } catch {
      // The page was reloading between two looks.
    }
    if (Date.now() > deadline) throw new Error(`run did not finish within ${timeoutMs} ms (${page.url()})`);
    await page.waitForTimeout(500);
  }
}

describe("dashboard in a browser", () => {
  let emu: IamEmulator;
  let pl: DashboardPipeline;
  let dashboard: RunningDashboard;
  let browser: Browser;
  let context: BrowserContext;
  const cspViolations: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    emu = await startIamEmulator({ seed: 11 });
    pl = new DashboardPipeline({ emulator: emu, label: "e2e-dash" });
    // Twelve people IAM accepts and one whose name it cannot take: the run dead-letters that one alone.
    await pl.setup({
      people: [
        ...people(12, { password: true }),
        { uid: "bad name!", cn: "Bad Name", mail: "bad@example.com", password: "Init-Pass-Bad-1!" },
      ],
    });
    await pl.startWorkers();
    dashboard = await startDashboard(pl.ctx, { host: "127.0.0.1", port: 0 });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
    });
    context = await browser.newContext({ httpCredentials: OPERATOR, viewport: { width: 1400, height: 900 } });
    context.on("console", (msg) => {
      if (/Content.Security.Policy/i.test(msg.text())) cspViolations.push(`${msg.location().url}: ${msg.text()}`);
    });
  }, 120_000);

  afterAll(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    await dashboard?.close();
    await pl?.close();
    await emu?.close();
  });

  it("sign in, sync, watch the run, open the dead letter, replay it, see it gone", async () => {
    const page = await context.newPage();
    page.on("dialog", (d) => void d.accept());

    // Sign in (basic auth) and see the channel.
    await page.goto(`${dashboard.url}/`);
    const row = page.locator('tr[data-channel="staff"]');
    await expect(row.textContent()).resolves.toContain("staff");
    expect(await row.textContent()).toContain("never run");
    expect(await page.locator("header .who").textContent()).toContain("ops · operator");

    // Start a sync: the button posts the form (with its CSRF token) and lands on the run's page.
    await row.getByRole("button", { name: "Sync now" }).click();
    await page.waitForURL(/\/runs\/staff-/);
    const runUrl = page.url();
    const status = await waitForFinishedRun(page);
    expect(status).toBe("completed with failures");
    await page.reload();
    expect(await page.locator("body").textContent()).toContain("Failed users (1)");
    const failedRow = page.locator("table").last().locator("tbody tr").first();
    expect(await failedRow.textContent()).toMatch(/invalid/);
    await page.screenshot({ path: join(SHOTS, "dashboard-run.png"), fullPage: true });

    // The channels page now shows the run, its counts and the dead letter.
    await page.goto(`${dashboard.url}/`);
    const after = await page.locator('tr[data-channel="staff"]').textContent();
    expect(after).toContain("12 created");
    expect(after).toContain("1 invalid");
    await page.screenshot({ path: join(SHOTS, "dashboard-channels.png"), fullPage: true });

    // Open the dead letter from the list.
    await page.goto(`${dashboard.url}/dead-letters`);
    const letters = page.locator("tr[data-dead-letter]");
    expect(await letters.count()).toBe(1);
    expect(await letters.first().textContent()).toContain("bad name!");
    await page.screenshot({ path: join(SHOTS, "dashboard-dead-letters.png"), fullPage: true });
    await letters.first().getByRole("link", { name: "bad name!" }).click();
    await page.waitForURL(/\/dead-letters\/staff\./);
    const detail = await page.locator("main").textContent();
    expect(detail).toContain("Dead letter: bad name!");
    expect(detail).toMatch(/user name/i);
    expect(detail).toContain(runUrl.slice(runUrl.lastIndexOf("/") + 1));
    await page.screenshot({ path: join(SHOTS, "dashboard-dead-letter.png"), fullPage: true });

    // Fix the directory (the entry keeps its entryUUID), then replay from the dead letter's page.
    await pl.modify(
      ["dn: uid=bad name!,ou=people,@BASE@", "changetype: modrdn", "newrdn: uid=bad-name", "deleteoldrdn: 1", ""].join(
        "\n",
      ),
    );
    await page.getByRole("button", { name: "Replay" }).click();
    await page.waitForURL(/\/runs\/staff-.*notice=replayed/);
    expect(await page.locator(".notice").textContent()).toContain("Replay started for 1 user");
    const replayStatus = await waitForFinishedRun(page);
    await page.reload();
    expect(replayStatus, (await page.locator("main").textContent()) ?? "").toBe("completed");

    // The dead letter is gone, and the user is in IAM.
    await page.goto(`${dashboard.url}/dead-letters`);
    expect(await page.locator("tr[data-dead-letter]").count()).toBe(0);
    expect(await page.locator("main").textContent()).toContain("No dead letters.");
    expect(pl.managedUsers().map((u) => u.userName)).toContain("bad-name");

    // The user's page shows the history of the replayed person, and the password only as "set".
    await page.goto(`${dashboard.url}/users?q=bad-name`);
    const user = await page.locator("main").textContent();
    expect(user).toContain("No dead letter.");
    expect(user).toMatch(/create/);
    await page.goto(`${dashboard.url}/users?q=user00001`);
    const withPassword = await page.locator("main").textContent();
    expect(withPassword).toContain("password set");
    expect(withPassword).not.toContain("Init-Pass-00001!");
  }, 180_000);

  it("bull-board renders every queue at /queues under its CSP, and links back to the channels", async () => {
    const page = await context.newPage();
    await page.goto(`${dashboard.url}/queues`);
    await page.getByText("provision-acct").first().waitFor({ timeout: 20_000 });
    for (const q of ["snapshot", "dead-letter"]) expect(await page.getByText(q).count()).toBeGreaterThan(0);
    await page.screenshot({ path: join(SHOTS, "dashboard-queues.png"), fullPage: true });
    // The project's pages sit in bull-board's user menu (uiConfig.miscLinks), the last header button.
    await page.locator("header button").last().click();
    await page.getByRole("menuitem", { name: "Channels" }).click();
    await page.waitForURL(`${dashboard.url}/`);
    expect(await page.locator('tr[data-channel="staff"]').count()).toBe(1);
    expect(cspViolations).toEqual([]);
  }, 60_000);
});
