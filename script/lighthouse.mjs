// Called by script/lighthouse, which documents the arguments and environment.
import { writeFileSync } from 'node:fs';
import * as chromeLauncher from 'chrome-launcher';
import lighthouse from 'lighthouse';

const [base, ...paths] = process.argv.slice(2);
const min = Number(process.env.LIGHTHOUSE_MIN ?? 95);
const categories = ['performance', 'accessibility', 'best-practices'];
const extraHeaders = process.env.LIGHTHOUSE_COOKIE ? { Cookie: process.env.LIGHTHOUSE_COOKIE } : undefined;

const chromeFlags = ['--headless=new', '--disable-gpu'];
if (process.getuid?.() === 0) chromeFlags.push('--no-sandbox'); // Chromium refuses root otherwise
const chrome = await chromeLauncher.launch({ chromePath: process.env.CHROME_PATH, chromeFlags });

const rows = [];
const failures = [];
try {
  for (const path of paths) {
    const url = new URL(path, base).href;
    // Defaults otherwise: formFactor mobile, throttlingMethod simulate, storage reset per run.
    const { lhr } = await lighthouse(url, { port: chrome.port, logLevel: 'error', onlyCategories: categories, extraHeaders });
    const scores = categories.map((c) => (lhr.categories[c]?.score == null ? null : Math.round(lhr.categories[c].score * 100)));
    const error = lhr.runtimeError ? ` error ${lhr.runtimeError.code}` : '';
    console.log(`lighthouse ${path} ` + categories.map((c, i) => `${c} ${scores[i] ?? '-'}`).join(' ') + error);
    if (error) failures.push(`${path}${error}`);
    else categories.forEach((c, i) => { if (!(scores[i] >= min)) failures.push(`${path} ${c} ${scores[i] ?? 'none'}`); });
    rows.push(`| ${path} | ${scores.map((s) => s ?? '-').join(' | ')} |`);
  }
} finally {
  await chrome.kill();
}

if (process.env.LIGHTHOUSE_REPORT) {
  const table = [`| page | ${categories.join(' | ')} |`, `| --- | ${categories.map(() => '---:').join(' | ')} |`, ...rows];
  writeFileSync(process.env.LIGHTHOUSE_REPORT, table.join('\n') + '\n');
}
if (failures.length) {
  console.error(`lighthouse: below ${min}: ${failures.join(', ')}`);
  process.exit(1);
}
