// viewer.test.mjs - the live viewer and the reports in a real browser (Debian's Chromium,
// headless, driven by playwright-core). Starts `unrest serve` on a free port and checks what a
// person would: the page loads with no request leaving the machine, each city's canvas shows a
// lattice in the expected colours, every city shows its legitimacy (not 0) at tick 0, Step
// advances the tick, Play runs and Pause stops, firing a blackout adds its event marker, every
// slider the server lists moves its value (a restarting one restarts the run with it, a live
// one fires its intervention), every intervention button adds its event and changes what it
// changes, a report opens offline (file://, every request refused) and draws its charts. Screenshots go to $UNREST_ARTIFACTS (default build/test-artifacts).
//
// usage: node viewer.test.mjs   (UNREST_BIN: the unrest program, default ../../build/unrest;
//        UNREST_REPORT: an extra report file to check, e.g. one written by `unrest run --report`;
//        CHROMIUM: the browser, default /usr/bin/chromium)
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawn} from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
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

// The meta message a new viewer gets now (the first message of /events), as JSON.
function readMeta() {
  return new Promise((resolve, reject) => {
    const req = http.get(base + 'events', (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (d) => {
        buf += d;
        const m = buf.match(/^event: meta\ndata: (.*)\n/m);
        if (m) { req.destroy(); resolve(JSON.parse(m[1])); }
      });
    });
    req.on('error', (e) => { if (e.code !== 'ECONNRESET') reject(e); });
    req.setTimeout(30000, () => { req.destroy(); reject(new Error('no meta message')); });
  });
}

// Each city's legitimacy as its facts line shows it ("... · L 0.97 · ..."), NaN where absent.
async function cityL() {
  return page.evaluate(() => [...document.querySelectorAll('#cities .facts')].map((f) => {
    const m = f.textContent.match(/ L (\d+\.\d+)/);
    return m ? Number(m[1]) : NaN;
  }));
}

// Move a slider as a person does: drag (input events), let go (change).
async function moveSlider(path, value) {
  await page.evaluate(([p, v]) => {
    const inp = document.querySelector(`#sliders input[data-path="${p}"]`);
    inp.value = String(v);
    inp.dispatchEvent(new Event('input', {bubbles: true}));
    inp.dispatchEvent(new Event('change', {bubbles: true}));
  }, [path, value]);
}

// A value inside the slider's range, a few steps away from its value now.
function newValue(s) {
  for (const f of [0.37, 0.73, 0.11]) {
    const v = s.min + Math.round((s.max - s.min) * f / s.step) * s.step;
    if (Math.abs(v - s.value) > s.step / 2) return +v.toFixed(6);
  }
  throw new Error(`slider ${s.path}: no other value`);
}

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

test('every city shows its legitimacy at tick 0, not 0.00', async () => {
  assert.equal(await tickNow(), 0, 'the run has not started');
  const sites = await page.evaluate(() => window.unrestState.meta.sites.length);
  const ls = await cityL();
  assert.equal(ls.length, sites, 'each city has its facts line');
  for (let i = 0; i < sites; i++)
    assert.ok(ls[i] > 0 && ls[i] <= 1, `city ${i}: L ${ls[i]} at tick 0`);
  const l0 = await page.evaluate(() => window.unrestState.sites.map((s) => s.legitimacy));
  assert.ok(l0.every((l) => l > 0), `frame records carry L at tick 0 (${l0})`);
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

test('every slider moves its value: restarting ones restart the run, live ones act now', async () => {
  const m0 = await readMeta();
  assert.ok(m0.sliders.length >= 9, 'the sliders of docs/VIEWER.md');
  const shown = await page.locator('#sliders input[type=range]').count();
  assert.equal(shown, m0.sliders.length, 'the page shows every slider the server lists');
  // restarting ones first: a restart clears the events the live ones add
  const order = m0.sliders.filter((s) => !s.live).concat(m0.sliders.filter((s) => s.live));
  for (const s of order) {
    const before = await readMeta();
    const cur = before.sliders.find((x) => x.path === s.path);
    const v = newValue(cur);
    const lBefore = await cityL();
    const evBefore = await page.locator('#events li').count();
    await moveSlider(s.path, v);
    if (!s.live) {
      // the run restarts (a new world, tick 0) with the new value
      await page.waitForFunction((g) => window.unrestState.generation > g &&
                                        window.unrestState.frames > 0 &&
                                        document.getElementById('tick').textContent === '0',
                                 before.generation, {timeout: 60000});
    } else {
      const kind = s.path.replace(/^live\./, '');
      await page.waitForFunction(([n, k]) => {
        const li = document.querySelectorAll('#events li');
        return li.length > n && li[li.length - 1].textContent.includes(k);
      }, [evBefore, kind], {timeout: 30000});
    }
    const after = await readMeta();
    const got = after.sliders.find((x) => x.path === s.path).value;
    assert.ok(Math.abs(got - v) <= 1e-6 * Math.max(1, Math.abs(v)),
              `${s.path}: moved to ${v}, the server has ${got}`);
    if (!s.live) assert.equal(after.generation, before.generation + 1, `${s.path} restarted`);
    else assert.equal(after.generation, before.generation, `${s.path} acts without a restart`);
    assert.equal(await page.inputValue(`#sliders input[data-path="${s.path}"]`), String(v),
                 `${s.path}: the page shows the new value`);
    if (s.path === 'legitimacy.initial') {
      // what the cities show at tick 0 moves with it (sites' offsets are kept, ends clamp)
      await page.waitForFunction((lb) => {
        const f = [...document.querySelectorAll('#cities .facts')];
        return f.length === lb.length && f.some((x, i) => !x.textContent.includes(
            ' L ' + lb[i].toFixed(2)));
      }, lBefore, {timeout: 30000});
      const lAfter = await cityL();
      for (let i = 0; i < lAfter.length; i++) {
        assert.ok(lAfter[i] > 0, `city ${i}: L ${lAfter[i]} after the restart`);
        if (lBefore[i] > 0.01 && lBefore[i] < 0.99 && lAfter[i] > 0.01 && lAfter[i] < 0.99)
          assert.ok(Math.abs(lAfter[i] - lBefore[i] - (v - cur.value)) <= 0.011,
                    `city ${i}: L ${lBefore[i]} -> ${lAfter[i]} for ${cur.value} -> ${v}`);
      }
    }
    if (s.path === 'live.fuel_price') {
      await page.waitForFunction((p) => document.querySelector('#city-0 .facts').textContent
                                            .includes('LPG ' + p), String(Math.round(v)),
                                 {timeout: 30000});
    }
    if (s.path === 'live.internet') {
      const blackout = v < 0.5;
      await page.waitForFunction((b) => /blackout/.test(
          document.querySelector('#city-0 .badge').textContent) === b, blackout, {timeout: 30000});
    }
  }
  await page.screenshot({path: path.join(ART, 'viewer-sliders.png'), fullPage: true});
});

test('every intervention button adds its event and takes effect', async () => {
  const meta = await readMeta();
  const badge = (i) => page.textContent(`#city-${i} .badge`);
  const anyBadge = (re) => page.waitForFunction((r) => [...document.querySelectorAll(
      '#cities .badge')].some((b) => new RegExp(r).test(b.textContent)), re.source,
                                                {timeout: 30000});
  assert.equal(await page.locator('#buttons button').count(), meta.buttons.length);
  for (const b of meta.buttons) {
    const n = await page.locator('#events li').count();
    await page.click(`button[data-fire="${b.name}"]`);
    await page.waitForFunction(([k, label]) => {
      const li = document.querySelectorAll('#events li');
      return li.length > k && li[li.length - 1].textContent.includes(label + ' (viewer)');
    }, [n, b.label], {timeout: 30000});
    const ev = await page.evaluate(() => window.unrestState.events.at(-1));
    assert.equal(ev.manual, 1, `${b.name}: marked as fired by hand`);
    // what a frame shows right away, or after a tick
    if (b.name === 'blackout') assert.match(await badge(0), /blackout/);
    if (b.name === 'internet') assert.doesNotMatch(await badge(0), /blackout/);
    if (b.name === 'curfew') assert.match(await badge(0), /emergency/);
    if (b.name === 'lift_curfew') assert.doesNotMatch(await badge(0), /emergency|curfew/);
    if (b.name === 'troops') {
      await page.click('#step');
      await anyBadge(/troops \d/);
    }
  }
  const t0 = await tickNow();
  await page.click('#step');
  await page.waitForFunction((t) => Number(document.getElementById('tick').textContent) === t + 1,
                             t0, {timeout: 60000});
  await page.screenshot({path: path.join(ART, 'viewer-buttons.png'), fullPage: true});
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
