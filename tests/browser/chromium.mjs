// Debian's headless Chromium through playwright-core, started the way every browser test starts
// it, with the test's own page served at the server's origin (so media loads same-origin).
import { chromium } from "playwright-core";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

// Without the background-networking flags Chromium keeps dialling out of this closed network.
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--autoplay-policy=no-user-gesture-required",
];

// Runs `use(page)` in a fresh profile and returns what it returns. `routes` maps URL globs to
// functions of the request URL giving `{ contentType, body }`: the pages the test serves.
export async function withPage(routes, use) {
  const userDataDir = mkdtempSync(join(tmpdir(), "fm-chromium-"));
  let context;
  try {
    context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
      headless: true,
      args: FLAGS,
    });
    const page = context.pages()[0] || (await context.newPage());
    for (const [glob, serve] of Object.entries(routes)) {
      await page.route(glob, (route) => route.fulfill({ status: 200, ...serve(route.request().url()) }));
    }
    return await use(page);
  } finally {
    if (context) await context.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
}

// Polls `read(page)` every 250 ms until `done(state)` or the timeout; the last state.
export async function pollUntil(page, read, done, timeoutMs) {
  const deadline = Date.now() + Number(timeoutMs);
  let state = {};
  while (Date.now() < deadline) {
    state = await page.evaluate(read);
    if (done(state)) break;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return state;
}

// The page's <video id="v"> as the players report it, with what the page's script put in
// window.report. Runs in the browser (Playwright sends its source), so it closes over nothing.
export function videoState() {
  const v = document.getElementById("v");
  return {
    currentTime: v.currentTime,
    duration: v.duration,
    readyState: v.readyState,
    videoWidth: v.videoWidth,
    videoHeight: v.videoHeight,
    mediaError: v.error ? v.error.message || String(v.error.code) : null,
    ...window.report,
  };
}
