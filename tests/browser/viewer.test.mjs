// viewer.test.mjs - the live viewer and the reports in a real browser (Debian's Chromium,
// headless, driven by playwright-core). Starts `unrest serve` on a free port and checks what a
// person would: the page loads with no request leaving the machine, each city's canvas shows a
// lattice in the expected colours, Step advances the tick, Play runs and Pause stops, firing a
// blackout adds its event marker, a report opens offline (file://, every request refused)
// and draws its charts. Screenshots go to $UNREST_ARTIFACTS (default build/test-artifacts).
//
// usage: node viewer.test.mjs   (UNREST_BIN: the unrest program, default ../../build/unrest;
//        UNREST_REPORT: an extra report file to check, e.g. one written by `unrest run --report`;
//        CHROMIUM: the browser, default /usr/bin/chromium)
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import {fileURLToPath} from 'node:url';
import {chromium} from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..', '..');
const BIN = path.resolve(process.env.UNREST_BIN || path.join(root, 'build', 'unrest'));
const ART = path.resolve(process.env.UNREST_ARTIFACTS || path.join(root, 'build', 'test-artifacts'));
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
const SERVE_ARGS = (process.env.UNREST_SERVE_ARGS || '').split(' ').filter(Boolean);
fs.mkdirSync(ART, {recursive: true});

// Cell colours of web/app.js: EMPTY, QUIET, ACTIVE, JAILED, COP.
const COLORS = [[0x16, 0x19, 0x20], [0x3b, 0x5b, 0x8c], [0xff, 0x4d, 0x3d], [0xd9, 0xa4, 0x1e],
                [0xe6, 0xea, 0xf0]];

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const p = s.address().port; s.close(() => resolve(p)); });
  });
}

let server, base, browser, page;
const external = []; // requests that tried to leave 127.0.0.1

before(async () => {
  assert.ok(fs.existsSync(BIN), `unrest program not found at ${BIN} (set UNREST_BIN)`);
  const port = await freePort();
  server = spawn(BIN, ['serve', '--port', String(port), '--speed', '8', ...SERVE_ARGS],
                 {stdio: ['ignore', 'pipe', 'pipe']});
  let out = '';
  base = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('unrest serve did not start: ' + out)), 120000);
    const on = (d) => {
      out += d;
      const m = out.match(/http:\/\/[^\s]+\//);
      if (m) { clearTimeout(t); resolve(m[0]); }
    };
    server.stdout.on('data', on);
    server.stderr.on('data', on);
    server.on('exit', (code) => reject(new Error(`unrest serve exited ${code}: ${out}`)));
  });
  browser = await chromium.launch({executablePath: CHROMIUM, headless: true,
                                   args: ['--no-sandbox', '--disable-gpu']});
  const ctx = await browser.newContext({viewport: {width: 1400, height: 1000}});
  await ctx.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith(base)) return route.continue();
    external.push(u);
    return route.abort();
  });
  page = await ctx.newPage();
  page.on('pageerror', (e) => { console.error('page error:', e); });
});

after(async () => {
  if (browser) await browser.close();
  if (server && server.exitCode === null) {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
  }
});

// Count pixels of each cell colour on a canvas, in the page.
async function canvasColours(selector) {
  return page.evaluate(([sel, colors]) => {
    const c = document.querySelector(sel);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const n = new Array(colors.length).fill(0);
    let other = 0;
    for (let p = 0; p < d.length; p += 4) {
      let hit = false;
      for (let k = 0; k < colors.length; k++)
        if (d[p] === colors[k][0] && d[p + 1] === colors[k][1] && d[p + 2] === colors[k][2]) {
          n[k]++; hit = true; break;
        }
      if (!hit) other++;
    }
    return {n, other, total: d.length / 4};
  }, [selector, COLORS]);
}

const tickNow = async () => Number(await page.textContent('#tick'));

test('the page loads and draws every city', async () => {
  await page.goto(base);
  await page.waitForFunction(() => window.unrestState && window.unrestState.meta &&
                                    window.unrestState.frames > 0, null, {timeout: 60000});
  const sites = await page.evaluate(() => window.unrestState.meta.sites.length);
  assert.ok(sites >= 1);
  assert.equal(await page.locator('#cities canvas').count(), sites);
  assert.equal(await page.locator('#charts canvas').count(), 4);
  assert.ok(await page.locator('#buttons button[data-fire="blackout"]').count() === 1);
  assert.deepEqual(external, [], 'no request may leave the machine');
});

test('the canvas shows the lattice in the expected colours', async () => {
  const sites = await page.evaluate(() => window.unrestState.meta.sites.length);
  for (let i = 0; i < sites; i++) {
    const c = await canvasColours(`#city-${i} canvas`);
    const quiet = c.n[1], cops = c.n[4], empty = c.n[0];
    assert.ok(c.total > 1000, 'canvas has a size');
    assert.ok(quiet > c.total * 0.01, `city ${i}: quiet citizens visible (${quiet} px)`);
    assert.ok(empty + quiet + c.n[2] + c.n[3] + cops > c.total * 0.8,
              `city ${i}: mostly cell colours (${JSON.stringify(c)})`);
  }
  await page.screenshot({path: path.join(ART, 'viewer-start.png'), fullPage: true});
});

test('step advances the tick by one', async () => {
  const t0 = await tickNow();
  await page.click('#step');
  await page.waitForFunction((t) => Number(document.getElementById('tick').textContent) === t + 1,
                             t0, {timeout: 60000});
  const n = await page.evaluate(() => window.unrestState.n);
  assert.equal(n, t0 + 2, 'one sample per tick plus the start');
});

test('play runs and pause stops', async () => {
  const t0 = await tickNow();
  await page.click('#play');
  await page.waitForFunction((t) => Number(document.getElementById('tick').textContent) >= t + 2,
                             t0, {timeout: 60000});
  await page.click('#pause');
  await page.waitForFunction(() => document.getElementById('status').textContent === 'paused',
                             null, {timeout: 30000});
  const t1 = await tickNow();
  await page.waitForTimeout(800);
  assert.equal(await tickNow(), t1, 'no ticks while paused');
  // the charts have drawn something besides their background
  const c = await page.evaluate(() => {
    const cv = document.querySelector('#chart-active canvas');
    const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
    let lit = 0;
    for (let p = 0; p < d.length; p += 4) if (d[p] > 200 && d[p + 1] > 200 && d[p + 2] > 200) lit++;
    return lit;
  });
  assert.ok(c > 50, `chart has a white national line (${c} px)`);
});

test('firing a blackout adds its marker', async () => {
  const before = await page.locator('#events li').count();
  await page.click('button[data-fire="blackout"]');
  await page.waitForFunction((n) => document.querySelectorAll('#events li').length > n, before,
                             {timeout: 30000});
  const last = await page.locator('#events li').last().textContent();
  assert.match(last, /Internet blackout \(viewer\)/);
  const marked = await page.evaluate(() => window.unrestState.events.some(
      (e) => /blackout/.test(e.label) && e.manual));
  assert.ok(marked);
  await page.click('#step'); // a frame after the blackout: the city badge says so
  await page.waitForFunction(() => /blackout/.test(document.querySelector('#city-0 .badge').textContent),
                             null, {timeout: 30000});
  // after some ticks police are on the streets: their colour shows in some city
  let cops = 0;
  const sites = await page.evaluate(() => window.unrestState.meta.sites.length);
  for (let i = 0; i < sites; i++) cops += (await canvasColours(`#city-${i} canvas`)).n[4];
  assert.ok(cops > 0, 'police visible in some city');
  await page.screenshot({path: path.join(ART, 'viewer-blackout.png'), fullPage: true});
});

test('frames decode and draw quickly', async () => {
  const r = await page.evaluate(() => ({n: window.unrestState.timed, sum: window.unrestState.frameMsSum,
                                       max: window.unrestState.frameMsMax,
                                       bytes: window.unrestState.frameBytes}));
  const mean = r.sum / r.n;
  console.log(`# frames: ${r.n}, mean ${mean.toFixed(1)} ms, max ${r.max.toFixed(1)} ms, ` +
              `last ${r.bytes} base64 bytes`);
  assert.ok(mean < 40, `mean decode+draw ${mean.toFixed(1)} ms per frame`);
});

async function checkReport(file, shot) {
  const ctx = await browser.newContext({viewport: {width: 1400, height: 1000}, offline: true});
  const refused = [];
  await ctx.route('**/*', (route) => {
    const u = route.request().url();
    if (u.startsWith('file://')) return route.continue();
    refused.push(u);
    return route.abort();
  });
  const p = await ctx.newPage();
  const errors = [];
  p.on('pageerror', (e) => errors.push(String(e)));
  await p.goto('file://' + file);
  await p.waitForFunction(() => document.body.getAttribute('data-ready') === '1', null,
                          {timeout: 30000});
  const kind = await p.evaluate(() => window.UNREST_DATA.kind);
  const sel = kind === 'run' ? '#charts canvas' : '#fans canvas';
  const drawn = await p.evaluate((s) => [...document.querySelectorAll(s)].map((cv) => {
    const d = cv.getContext('2d').getImageData(0, 0, cv.width, cv.height).data;
    let lit = 0;
    for (let q = 0; q < d.length; q += 4) if (Math.max(d[q], d[q + 1], d[q + 2]) > 120) lit++;
    return lit;
  }), sel);
  assert.ok(drawn.length >= 4, `${kind} report has its charts`);
  for (const lit of drawn) assert.ok(lit > 100, `every chart drew (${drawn})`);
  assert.ok(await p.locator('#outcomes tr').count() >= 2, 'outcome table');
  if (kind === 'run') {
    assert.ok(await p.locator('#cities canvas').count() >= 1, 'map of the cities');
    assert.equal(await p.locator('#heat-box').isVisible(), true, 'activity over time');
  }
  await p.screenshot({path: path.join(ART, shot), fullPage: true});
  assert.deepEqual(errors, []);
  assert.deepEqual(refused, [], 'a report asks for nothing outside itself');
  await ctx.close();
}

test('a report opens offline and draws its charts', async () => {
  const res = await page.request.get(base + 'report');
  assert.equal(res.status(), 200);
  const file = path.join(ART, 'live-report.html');
  fs.writeFileSync(file, await res.body());
  await checkReport(file, 'report.png');
  if (process.env.UNREST_REPORT) {
    for (const f of process.env.UNREST_REPORT.split(':'))
      await checkReport(path.resolve(f), path.basename(f).replace(/\.html$/, '') + '.png');
  }
});

test('PNG exports are PNGs', async () => {
  for (const u of ['chart.png', 'snapshot.png?site=0']) {
    const res = await page.request.get(base + u);
    assert.equal(res.status(), 200, u);
    const b = await res.body();
    assert.deepEqual([...b.subarray(0, 8)], [137, 80, 78, 71, 13, 10, 26, 10], u);
    fs.writeFileSync(path.join(ART, u.replace(/\?.*/, '').replace('.png', '') + '-export.png'), b);
  }
});
