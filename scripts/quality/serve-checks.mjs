// Browser checks of `knotwork serve`'s live reload, run by .ci/run:
//   node scripts/quality/serve-checks.mjs <knotwork-binary>
//
// Copies the example site to a temporary folder, serves it, opens an
// article in headless Chromium and, without touching the browser:
// - edits the article: the page reloads by itself and shows the edit;
// - edits a stylesheet: the new stylesheet is swapped in without a reload
//   (a marker set on `window` survives) and applies;
// - breaks a data file: an overlay (role=alert) names the file and line,
//   and the page behind it stays the last good version;
// - fixes it: the overlay goes away by itself;
// - searches for the sentence added by the first edit: found, once the
//   search index has followed.
// Ends with a line "N passed, M failed" and exits 1 on any failure.

import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";

const require = createRequire(path.resolve(".tools/package.json"));
const { chromium } = require("playwright-core");

const binary = path.resolve(process.argv[2] || "target/release/knotwork");
const site = fs.mkdtempSync(path.join(os.tmpdir(), "knotwork-serve-"));
for (const entry of ["site.toml", "content", "static", "themes"]) {
  if (fs.existsSync(entry)) fs.cpSync(entry, path.join(site, entry), { recursive: true });
}

let passed = 0;
let failed = 0;
const check = (ok, what) => {
  if (ok) passed++;
  else failed++;
  console.log(`${ok ? "ok  " : "FAIL"} ${what}`);
};

/** Saves like an editor: a temporary file renamed over the old one. */
const save = (rel, text) => {
  const file = path.join(site, rel);
  fs.writeFileSync(file + ".tmp~", text);
  fs.renameSync(file + ".tmp~", file);
};

const server = spawn(binary, ["serve", "--port", "0", "--root", site], { stdio: ["ignore", "pipe", "pipe"] });
let log = "";
server.stderr.on("data", (d) => (log += d));
const url = await new Promise((resolve, reject) => {
  server.stdout.on("data", (d) => {
    log += d;
    const m = /Serving the site at (\S+)/.exec(log);
    if (m) resolve(m[1]);
  });
  server.on("exit", (code) => reject(new Error(`serve exited with ${code}:\n${log}`)));
});

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage();
  const articleFile = fs.readdirSync(path.join(site, "content/blog")).filter((f) => f.endsWith(".md")).sort()[0];
  const slugMatch = /^slug\s*=\s*"([^"]+)"/m.exec(fs.readFileSync(path.join(site, "content/blog", articleFile), "utf8"));
  const slug = slugMatch ? slugMatch[1] : articleFile.replace(/\.md$/, "");
  await page.goto(`${url}blog/${slug}/`);
  await page.waitForFunction(() => document.readyState === "complete");
  // Give the event stream a moment to connect.
  await page.waitForTimeout(300);

  // 1. An article edit reloads the page.
  const original = fs.readFileSync(path.join(site, "content/blog", articleFile), "utf8");
  save(`content/blog/${articleFile}`, `${original.trimEnd()}\n\nA sentence about the zyzzyva added while the page was open.\n`);
  try {
    await page.waitForFunction(() => document.body.innerText.includes("A sentence about the zyzzyva added while the page was open."), null, { timeout: 10000 });
    check(true, "an edited article reloads itself in the open page");
  } catch {
    check(false, "an edited article reloads itself in the open page");
  }

  // 2. A stylesheet edit swaps the stylesheet, without a reload.
  await page.evaluate(() => (window.__knotworkMarker = "still here"));
  const cssFile = "themes/default/static/css/site.css";
  const css = fs.readFileSync(path.join(site, cssFile), "utf8");
  save(cssFile, `${css}\nbody { outline: 3px solid rgb(1, 2, 3); }\n`);
  try {
    await page.waitForFunction(() => getComputedStyle(document.body).outlineColor === "rgb(1, 2, 3)", null, { timeout: 10000 });
    const marker = await page.evaluate(() => window.__knotworkMarker);
    check(marker === "still here", "a CSS edit applies without reloading the page");
  } catch {
    check(false, "a CSS edit applies without reloading the page");
  }
  save(cssFile, css);

  // 3. A broken data file shows an overlay naming the file and line.
  const muscleFile = fs.readdirSync(path.join(site, "content/muscles")).sort()[0];
  const muscle = fs.readFileSync(path.join(site, "content/muscles", muscleFile), "utf8");
  save(`content/muscles/${muscleFile}`, `${muscle}\nbroken = [\n`);
  const overlay = page.locator("#knotwork-error-overlay[role=alert]");
  try {
    await overlay.waitFor({ timeout: 10000 });
    const text = await overlay.innerText();
    check(text.includes(`content/muscles/${muscleFile}:`), `the error overlay names the file and line (${text.split("\n")[1] || ""})`);
    check(await page.locator("main").isVisible(), "the last good page stays behind the overlay");
  } catch {
    check(false, "a build error shows an overlay");
  }

  // 4. Fixing it takes the overlay away.
  save(`content/muscles/${muscleFile}`, muscle);
  try {
    await overlay.waitFor({ state: "detached", timeout: 10000 });
    check(true, "the overlay goes away when the file is fixed");
  } catch {
    check(false, "the overlay goes away when the file is fixed");
  }

  // 5. Search in the preview (its index is kept in memory and rebuilt in
  //    the background) finds the text added in step 1.
  const deadline = Date.now() + 30000;
  while (Date.now() < deadline) {
    const status = await (await page.request.get(`${url}__knotwork/status`)).json().catch(() => ({}));
    if (status.search_pending === false) break;
    await page.waitForTimeout(250);
  }
  // The fix of step 4 reloads the open page: let that page's requests
  // finish before watching for failures, or navigating away aborts them
  // (its favicon, seen once in CI as net::ERR_ABORTED).
  await page.waitForLoadState("networkidle").catch(() => null);
  const problems = [];
  page.on("console", (m) => m.type() === "error" && problems.push(m.text()));
  // The live-reload event stream is cut by the navigation itself.
  page.on("requestfailed", (r) => r.url().includes("/__knotwork/") || problems.push(`${r.url()} ${r.failure()?.errorText}`));
  // A word no page of the example site has: only the edit can match.
  // The fix of step 4 reloads the open page; if that reload starts while
  // we navigate, the navigation is interrupted: let it finish, then go.
  const search = `${url}search/?q=zyzzyva`;
  await page.goto(search).catch(async () => {
    await page.waitForLoadState("load");
    await page.goto(search);
  });
  await page.waitForSelector(".pagefind-ui__result-title", { timeout: 10000 }).catch(() => null);
  // Pagefind shows placeholder results (". . .") until each one's data has loaded: wait for all of them.
  await page.waitForFunction(() => [...document.querySelectorAll(".pagefind-ui__result-title")].every((e) => /\w/.test(e.textContent)), null, { timeout: 10000 }).catch(() => null);
  const links = await page.$$eval(".pagefind-ui__result-link", (els) => els.map((e) => e.getAttribute("href")));
  check(links.some((h) => h && h.includes(`/blog/${slug}/`)), `search in the preview finds the edited article (${JSON.stringify(links.slice(0, 3))})`);
  check(problems.length === 0, `search in the preview makes no failed requests or console errors ${problems.join("; ")}`);

  // 6. A data edit reaches hundreds of pages on a big site; the page open
  //    in the browser is rendered first and reloads before the rest is
  //    done, with its stylesheet (assets are never held back).
  const techniqueFile = fs.readdirSync(path.join(site, "content/techniques")).filter((f) => f.endsWith(".toml")).sort()[0];
  const technique = fs.readFileSync(path.join(site, "content/techniques", techniqueFile), "utf8");
  const techniquePage = await browser.newPage();
  await techniquePage.goto(`${url}techniques/${techniqueFile.replace(/\.toml$/, "")}/`);
  await techniquePage.waitForFunction(() => document.readyState === "complete");
  await techniquePage.waitForTimeout(300);
  const styled = () => getComputedStyle(document.body).fontFamily;
  const font = await techniquePage.evaluate(styled);
  const shownBefore = (log.match(/shown first/g) || []).length;
  save(`content/techniques/${techniqueFile}`, technique.replace(/^summary = "/m, 'summary = "A zyzzyva-free summary edit. '));
  try {
    await techniquePage.waitForFunction(() => document.body.innerText.includes("A zyzzyva-free summary edit."), null, { timeout: 10000 });
    check((log.match(/shown first/g) || []).length === shownBefore + 1, "a data edit renders the open page first and reloads it");
    check((await techniquePage.evaluate(styled)) === font, "the page rendered first is styled");
  } catch {
    check(false, "a data edit renders the open page first and reloads it");
  }
  save(`content/techniques/${techniqueFile}`, technique);
} finally {
  await browser.close();
  server.kill();
  fs.rmSync(site, { recursive: true, force: true });
}

console.log(`${passed} passed, ${failed} failed`);
if (failed) {
  console.log(log);
  process.exit(1);
}
