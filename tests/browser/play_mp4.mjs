// Headless Debian Chromium plays an MP4 URL in a <video src>, seeks to a moment, plays on from
// there; prints one JSON line with what the video did and the Range requests Chromium sent.
// Usage: node play_mp4.mjs <clip.mp4 URL> <seek to, seconds> <timeout ms>
import { pollUntil, videoState, withPage } from "./chromium.mjs";

const [url, seekTo = "30", timeoutMs = "45000"] = process.argv.slice(2);
const origin = new URL(url).origin;
// The page is served by the test itself, at the server's origin: the video loads same-origin.
const pageUrl = `${origin}/__mp4_test_page__.html`;
const page_html = `<!doctype html><html><body>
<video id="v" muted playsinline preload="metadata" src=${JSON.stringify(url)}></video>
<script>
  window.report = { errors: [], seeked: null, playingAfterSeek: false, duration: null };
  const video = document.getElementById("v");
  video.addEventListener("loadedmetadata", () => {
    window.report.duration = video.duration;
    video.currentTime = ${Number(seekTo)};
  });
  video.addEventListener("seeked", () => {
    if (window.report.seeked === null) {
      window.report.seeked = video.currentTime;
      video.play().catch((e) => window.report.errors.push(String(e)));
    }
  });
  video.addEventListener("playing", () => {
    if (window.report.seeked !== null) window.report.playingAfterSeek = true;
  });
  video.addEventListener("error", () => window.report.errors.push(String(video.error && video.error.message)));
</script></body></html>`;

const requests = [];
let result;
try {
  result = await withPage(
    { [`${origin}/__mp4_test_page__**`]: () => ({ contentType: "text/html", body: page_html }) },
    async (page) => {
      page.on("response", async (response) => {
        if (!response.url().startsWith(url)) return;
        const headers = await response.request().allHeaders();
        requests.push({ range: headers["range"] || null, status: response.status() });
      });
      await page.goto(pageUrl);
      const played = (state) => state.seeked !== null && state.currentTime > state.seeked + 1.0;
      const state = await pollUntil(
        page,
        videoState,
        (state) => played(state) || state.mediaError,
        timeoutMs,
      );
      return { ok: played(state), ...state, requests };
    },
  );
} catch (error) {
  result = { ok: false, launchError: String(error), requests };
}
console.log(JSON.stringify(result));
process.exit(result.ok ? 0 : 1);
