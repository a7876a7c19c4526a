// Browser checks of a built site, run by .ci/run:
//   node scripts/quality/browser-checks.mjs <output-dir>
//
// Serves the folder on 127.0.0.1, opens pages of every kind in headless
// Chromium (playwright-core driving Debian's /usr/bin/chromium) and checks:
// - axe-core finds no serious or critical accessibility violation
//   (light and dark colour schemes);
// - no console errors, page errors or failed requests;
// - the comparison table sorts by a column and filters by setting;
// - the pain finder's regions are reachable by keyboard and navigate;
// - search (Pagefind) finds "trapezius" and a symptom, from the header box;
// - the header fits one row from 1024 px, and on a phone its navigation
//   opens, is walked and closes by keyboard.
// Ends with a line "N passed, M failed" and exits 1 on any failure.

import fs from "node:fs";
import path from "node:path";
import { createRequire } from "node:module";
import { serveFolder } from "./site-server.mjs";

const require = createRequire(path.resolve(".tools/package.json"));
const { chromium } = require("playwright-core");
const axeSource = fs.readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

const root = path.resolve(process.argv[2] || "public");
const serve = () => serveFolder(root);

/** The first page under each folder, so every page kind is covered. */
function firstIn(dir) {
  const full = path.join(root, dir);
  if (!fs.existsSync(full)) return null;
  const sub = fs.readdirSync(full).filter((d) => fs.statSync(path.join(full, d)).isDirectory() && d !== "page" && d !== "compare").sort();
  return sub.length ? `/${dir}/${sub[0]}/` : null;
}

const pages = [
  "/", "/blog/", firstIn("blog"), "/tags/", firstIn("tags"), "/muscles/", firstIn("muscles"),
  "/referral-patterns/", "/pain/", firstIn("pain"), "/techniques/", firstIn("techniques"),
  "/techniques/compare/", firstIn("techniques/compare"), "/faq/", firstIn("faq"), "/about/", "/404.html",
  "/people/", firstIn("people"), "/services/", firstIn("services"), "/pain/chest/",
  fs.existsSync(path.join(root, "search")) ? "/search/?q=trapezius" : null,
].filter(Boolean);

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
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--disable-quic"],
});

async function open(url, colorScheme = "light") {
  const context = await browser.newContext({ colorScheme, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()}`));
  page.on("response", (r) => { if (r.status() >= 400 && !url.endsWith("404.html")) problems.push(`HTTP ${r.status()}: ${r.url()}`); });
  await page.goto(base + url, { waitUntil: "load" });
  return { page, context, problems };
}

async function axe(page) {
  await page.addScriptTag({ content: axeSource });
  return page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ["violations"] });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
  });
}

try {
  for (const url of pages) {
    for (const scheme of ["light", "dark"]) {
      const { page, context, problems } = await open(url, scheme);
      const violations = await axe(page);
      check(`axe ${scheme} ${url}`, violations.length === 0, violations.join("\n     "));
      if (scheme === "light") check(`no console errors or failed requests ${url}`, problems.length === 0, problems.join("\n     "));
      await context.close();
    }
  }

  // The comparison table: sorting and filtering.
  {
    const { page, context } = await open("/techniques/compare/");
    const intensities = () => page.$$eval("table[data-compare] tbody tr:not([hidden]) td[data-label='Intensity']", (tds) => tds.map((t) => Number(t.dataset.sort)));
    await page.getByRole("button", { name: "Intensity" }).click();
    const asc = await intensities();
    check("compare table sorts ascending", asc.length > 1 && asc.every((v, i) => i === 0 || asc[i - 1] <= v), JSON.stringify(asc));
    await page.getByRole("button", { name: "Intensity" }).click();
    const desc = await intensities();
    check("compare table sorts descending", desc.every((v, i) => i === 0 || desc[i - 1] >= v), JSON.stringify(desc));
    const sortState = await page.$eval("th[data-sort-key='intensity']", (th) => th.getAttribute("aria-sort"));
    check("sorted column has aria-sort", sortState === "descending", sortState);
    await page.getByLabel("At home").check();
    const settings = await page.$$eval("table[data-compare] tbody tr:not([hidden])", (rows) => rows.map((r) => r.dataset.setting));
    check("compare table filters by setting", settings.length > 0 && settings.every((s) => s === "home"), JSON.stringify(settings));
    await context.close();
  }

  // The pain finder: regions reachable by keyboard, Enter navigates.
  {
    const { page, context } = await open("/pain/");
    let found = null;
    for (let i = 0; i < 80 && !found; i++) {
      await page.keyboard.press("Tab");
      found = await page.evaluate(() => {
        const a = document.activeElement;
        return a && a.closest && a.closest("svg.finder-map") ? a.getAttribute("href") : null;
      });
    }
    check("a finder region takes keyboard focus", Boolean(found), "no region link reached with Tab");
    if (found) {
      const name = await page.evaluate(() => document.activeElement.getAttribute("aria-label"));
      check("the focused region has an accessible name", Boolean(name), String(name));
      await Promise.all([page.waitForURL(`**${found}`), page.keyboard.press("Enter")]);
      check("Enter on a region opens its page", page.url().endsWith(found), page.url());
    }
    await context.close();
  }

  // An FAQ link to a question opens that answer.
  {
    const topic = firstIn("faq");
    const { page, context } = await open(topic);
    const id = await page.$eval("details.faq-item", (d) => d.id);
    await page.goto(`${base}${topic}#${id}`);
    const open_ = await page.$eval(`details#${id}`, (d) => d.open);
    check("a link to an FAQ answer opens it", open_ === true);
    await context.close();
  }
  // Search: the header box leads to results that say what kind each hit is.
  if (fs.existsSync(path.join(root, "search"))) {
    const { page, context, problems } = await open("/");
    await page.getByRole("searchbox", { name: "Search the site" }).first().fill("trapezius");
    await Promise.all([page.waitForURL("**/search/?q=trapezius"), page.getByRole("searchbox", { name: "Search the site" }).first().press("Enter")]);
    await page.waitForSelector(".pagefind-ui__result-title", { timeout: 10000 }).catch(() => null);
    // Pagefind shows placeholder results (". . .") until each one's data has loaded: wait for all of them.
    await page.waitForFunction(() => [...document.querySelectorAll(".pagefind-ui__result-title")].every((e) => /\w/.test(e.textContent)), null, { timeout: 10000 }).catch(() => null);
    const titles = await page.$$eval(".pagefind-ui__result-title", (els) => els.map((e) => e.textContent.trim()));
    check("search finds trapezius", titles.some((t) => /Muscle · .*trapezius/i.test(t)), JSON.stringify(titles.slice(0, 5)));
    const input = page.locator(".pagefind-ui__search-input");
    await input.fill("headache behind the eye");
    await page.waitForFunction(() => /headache behind the eye/.test(document.querySelector(".pagefind-ui__message")?.textContent || ""), null, { timeout: 10000 }).catch(() => null);
    await page.waitForTimeout(300);
    const symptom = await page.$$eval(".pagefind-ui__result-title", (els) => els.map((e) => e.textContent.trim()));
    check("a symptom search finds the muscles that refer there", symptom.some((t) => t.startsWith("Muscle · ")) && symptom.some((t) => /headache|head|eye/i.test(t)), JSON.stringify(symptom.slice(0, 8)));
    const first = page.locator(".pagefind-ui__result-link").first();
    const href = await first.getAttribute("href");
    const response = await page.request.get(new URL(href, page.url()).toString());
    check("a search result links to a page that exists", response.ok(), href);
    check("search makes no failed requests or console errors", problems.length === 0, problems.join("\n     "));
    await context.close();
  }
  // The header: one row from 1024 px; on a phone at most ~120 px, with the
  // navigation behind a disclosure that works by keyboard.
  {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 } });
    const page = await context.newPage();
    await page.goto(base + "/blog/", { waitUntil: "load" });
    const height = await page.evaluate(() => document.querySelector(".site-header").getBoundingClientRect().height);
    check("phone header is at most 130 px tall", height <= 130, `${height} px`);
    const navLink = page.locator(".main-nav a").first();
    check("phone navigation starts folded", !(await navLink.isVisible()));
    let onMenu = false;
    for (let i = 0; i < 8 && !onMenu; i++) {
      await page.keyboard.press("Tab");
      onMenu = await page.evaluate(() => document.activeElement?.matches("summary.menu-button") ?? false);
    }
    check("the menu button is reached with Tab", onMenu);
    await page.keyboard.press("Enter");
    check("Enter opens the menu", await navLink.isVisible());
    await page.keyboard.press("Tab");
    const focusedNav = await page.evaluate(() => document.activeElement?.closest(".main-nav") !== null);
    check("Tab moves into the open menu", focusedNav);
    await page.keyboard.press("Escape");
    const closed = await page.evaluate(() => !document.querySelector(".nav-disclosure").open && document.activeElement?.matches("summary.menu-button"));
    check("Escape closes the menu and returns to its button", closed);
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    const target = await page.evaluate(() => document.activeElement?.getAttribute("href"));
    await page.keyboard.press("Enter");
    await page.waitForLoadState("load");
    check("a menu link opens its page by keyboard", Boolean(target) && page.url().endsWith(target), `${target} → ${page.url()}`);
    await context.close();
    for (const width of [1024, 1280]) {
      const wide = await browser.newContext({ viewport: { width, height: 800 } });
      const p = await wide.newPage();
      await p.goto(base + "/blog/", { waitUntil: "load" });
      const layout = await p.evaluate(() => {
        const top = (el) => el ? el.getBoundingClientRect().top : null;
        const links = [...document.querySelectorAll(".main-nav a")];
        return {
          height: document.querySelector(".site-header").getBoundingClientRect().height,
          allVisible: links.every((a) => a.getBoundingClientRect().width > 0),
          rows: new Set([top(document.querySelector(".brand")), ...links.map(top), top(document.querySelector(".book"))].filter((t) => t !== null).map((t) => Math.round(t / 20))).size,
        };
      });
      check(`header is one row at ${width} px`, layout.height < 90 && layout.allVisible && layout.rows <= 2, JSON.stringify(layout));
      await wide.close();
    }
  }
} finally {
  await browser.close();
  server.close();
}

console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
