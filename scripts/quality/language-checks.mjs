// Browser checks of a multilingual site, run by .ci/run on the bilingual
// test site (tests/sites/bilingual):
//   node scripts/quality/language-checks.mjs <output-dir>
//
// In headless Chromium: the language switcher is reached and followed by
// keyboard alone, in both directions; search on a French page finds French
// pages for a French query, and search on an English page finds English
// ones; axe-core finds no serious or critical violation on French pages.
// Ends with "N passed, M failed" and exits 1 on any failure.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { serveFolder } from "./site-server.mjs";

const require = createRequire(path.resolve(".tools/package.json"));
const { chromium } = require("playwright-core");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const root = path.resolve(process.argv[2] || "public");
const serve = () => serveFolder(root);

let passed = 0;
let failed = 0;
function check(name, ok, detail = "") {
  if (ok) { passed += 1; console.log(`ok   ${name}`); }
  else { failed += 1; console.log(`FAIL ${name}${detail ? `\n     ${detail}` : ""}`); }
}

const server = await serve();
const base = `http://127.0.0.1:${server.address().port}`;
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});

async function open(url, width = 1280) {
  const context = await browser.newContext({ viewport: { width, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(m.text()); });
  page.on("pageerror", (e) => problems.push(String(e)));
  page.on("requestfailed", (r) => problems.push(`failed: ${r.url()}`));
  await page.goto(`${base}${url}`);
  return { page, context, problems };
}

/** Presses Tab until the focused element is the switcher's link to `lang`. */
async function tabTo(page, lang) {
  for (let i = 0; i < 60; i += 1) {
    await page.keyboard.press("Tab");
    const here = await page.evaluate(() => {
      const a = document.activeElement;
      return a && a.closest(".language-switcher") ? a.getAttribute("hreflang") : null;
    });
    if (here === lang) return i + 1;
  }
  return 0;
}

for (const width of [1280, 390]) {
  const { page, context, problems } = await open("/fr/blog/tension-headache/", width);
  const presses = await tabTo(page, "en");
  check(`${width}px: the switcher's English link is reached by Tab`, presses > 0);
  const ring = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  check(`${width}px: the focused switcher link shows a focus ring`, ring !== "none", ring);
  await Promise.all([page.waitForURL((u) => u.pathname === "/blog/tension-headache/"), page.keyboard.press("Enter")]);
  check(`${width}px: Enter leads to the same article in English`,
    new URL(page.url()).pathname === "/blog/tension-headache/" && (await page.getAttribute("html", "lang")) === "en", page.url());
  const back = await tabTo(page, "fr");
  await Promise.all([page.waitForURL((u) => u.pathname === "/fr/blog/tension-headache/"), page.keyboard.press("Enter")]);
  check(`${width}px: and back to French`, back > 0 && new URL(page.url()).pathname === "/fr/blog/tension-headache/", page.url());
  check(`${width}px: no console errors or failed requests`, problems.length === 0, problems.join("\n     "));
  await context.close();
}

// An untranslated page's switcher leads to the French home.
{
  const { page, context } = await open("/blog/desk-setup/");
  const href = await page.getAttribute(".language-switcher a[hreflang=fr]", "href");
  check("an untranslated page's French link leads to the French home", href === "/fr/", href);
  await context.close();
}

async function search(url, query) {
  const { page, context, problems } = await open(`${url}?q=${encodeURIComponent(query)}`);
  await page.waitForSelector(".pagefind-ui__result-link", { timeout: 10000 }).catch(() => null);
  await page.waitForTimeout(300);
  const hrefs = await page.$$eval(".pagefind-ui__result-link", (els) => els.map((e) => new URL(e.href).pathname));
  await context.close();
  return { hrefs, problems };
}

{
  const { hrefs, problems } = await search("/fr/search/", "tempe");
  check("French search finds French pages", hrefs.length > 0 && hrefs.every((h) => h.startsWith("/fr/")), JSON.stringify(hrefs));
  check("French search makes no failed requests", problems.length === 0, problems.join("\n     "));
  const en = await search("/search/", "temple");
  check("English search finds English pages", en.hrefs.length > 0 && en.hrefs.every((h) => !h.startsWith("/fr/")), JSON.stringify(en.hrefs));
}

for (const url of ["/fr/", "/fr/blog/tension-headache/", "/fr/muscles/upper-trapezius/", "/fr/pain/temple/"]) {
  const { page, context } = await open(url);
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => await window.axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(`axe: ${url}`, bad.length === 0, bad.map((v) => `${v.id}: ${v.help}`).join("; "));
  await context.close();
}

await browser.close();
server.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
