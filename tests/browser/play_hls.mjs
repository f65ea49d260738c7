// Headless Debian Chromium plays an HLS URL with hls.js; prints one JSON line with the outcome.
// Usage: node play_hls.mjs <master.m3u8 URL> <min currentTime> <timeout ms>
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { pollUntil, videoState, withPage } from "./chromium.mjs";

const [url, minTime = "3", timeoutMs = "45000"] = process.argv.slice(2);
const require = createRequire(import.meta.url);
const hlsScript = readFileSync(require.resolve("hls.js/dist/hls.min.js"), "utf8");
const origin = new URL(url).origin;
// The page is served by the test itself, at the server's origin, so hls.js fetches same-origin.
const pageUrl = `${origin}/__hls_test_page__.html`;
const page_html = `<!doctype html><html><body>
<video id="v" muted playsinline></video>
<script src="/__hls_test_page__/hls.min.js"></script>
<script>
  window.report = {
    errors: [], fatal: null, supported: Hls.isSupported(), startTime: null, live: null,
  };
  const video = document.getElementById("v");
  // Where playback began: 0 for a VOD playlist, near the end for a live (open) one.
  video.addEventListener("playing", () => {
    if (window.report.startTime === null) window.report.startTime = video.currentTime;
  });
  const hls = new Hls({ enableWorker: false });
  hls.on(Hls.Events.ERROR, (_, data) => {
    window.report.errors.push(data.details);
    if (data.fatal) window.report.fatal = data.details;
  });
  hls.on(Hls.Events.LEVEL_LOADED, (_, data) => {
    if (window.report.live === null) window.report.live = data.details.live;
  });
  hls.loadSource(${JSON.stringify(url)});
  hls.attachMedia(video);
  hls.on(Hls.Events.MANIFEST_PARSED, () => video.play().catch((e) => window.report.errors.push(String(e))));
</script></body></html>`;

let result;
try {
  result = await withPage(
    {
      [`${origin}/__hls_test_page__**`]: (requested) =>
        requested.endsWith("hls.min.js")
          ? { contentType: "text/javascript", body: hlsScript }
          : { contentType: "text/html", body: page_html },
    },
    async (page) => {
      await page.goto(pageUrl);
      const state = await pollUntil(
        page,
        videoState,
        (state) => state.currentTime > Number(minTime) || state.fatal || state.mediaError,
        timeoutMs,
      );
      return { ok: state.currentTime > Number(minTime), ...state };
    },
  );
} catch (error) {
  result = { ok: false, launchError: String(error) };
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
